"""One site served by two hosts at once, as Frappe runs on several servers: each host (a process group
of `servers.py`) has its web server, its socket.io server and its RQ worker; they share MariaDB, Redis
and the sites folder, and host A also runs the scheduler.

Clients write through both hosts at once while operators log in on one host and act through either;
a burst is distributed by the workers of both hosts; an event raised by a request on one host reaches
a socket connected to the other. Afterwards the floor keeps the guarantees it keeps on one host: every
accepted message stored once, no conversation assigned twice, no operator over slots, nothing left
waiting while an operator of its line has a free slot.

Ports: web 8071 and 8072, socket.io 9071 and 9072 (IQC_SERVERS_PORTS="8071,9071,8072,9072" to change).
"""

import hashlib
import hmac
import json
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import frappe
import pytest
import requests
import servers
import socketio

WEB_A, SOCKETIO_A, WEB_B, SOCKETIO_B = (
	int(p) for p in os.environ.get("IQC_SERVERS_PORTS", "8071,9071,8072,9072").split(",")
)
PASSWORD = "iqc-Hosts-7351"
NAMESPACE = f"/{servers.SITE}"
SETTLE = 30  # seconds for the workers to finish what the requests left them


@pytest.fixture(scope="module")
def hosts():
	with servers.own_queues():
		os.chdir(servers.SITES)
		frappe.init(site=servers.SITE, sites_path=str(servers.SITES))
		frappe.connect()
		frappe.set_user("Administrator")
		a = servers.Group("a", WEB_A, SOCKETIO_A, scheduler=True)
		b = servers.Group("b", WEB_B, SOCKETIO_B)
		try:
			a.start()
			b.start()
			yield a, b
		finally:
			b.stop()
			a.stop()
			frappe.destroy()


# Setting up and checking, through the test's own connection to the shared database.


def fresh() -> None:
	frappe.db.rollback()


def operator(slots: int, name: str, status: str = "Active") -> str:
	from frappe.utils.password import update_password

	from iqchannels.tests.factories import make_operator

	user = make_operator(status=status, slots=slots, first_name=name)
	update_password(user, PASSWORD)
	return user


def api_channel(line: str) -> tuple[str, str]:
	from iqchannels.tests.factories import make_channel

	secret = frappe.generate_hash(length=32)
	return make_channel(line, "API", secret=secret).name, secret


def conversations(lines: list[str]) -> list:
	fresh()
	return frappe.get_all(
		"IQC Conversation",
		filters={"line": ["in", lines]},
		fields=["name", "status", "operator", "line"],
	)


def queues_idle() -> bool:
	from frappe.utils.background_jobs import get_queue

	queues = [get_queue(name) for name in ("short", "default")]
	return not any(q.count or q.started_job_registry.count for q in queues)


def wait_until(condition, timeout: float, step: float = 0.1):
	deadline = time.monotonic() + timeout
	while True:
		value = condition()
		if value or time.monotonic() > deadline:
			return value
		time.sleep(step)


# What clients and operators send, to one host or the other.


def client_message(
	url: str, channel: str, secret: str, client: str, message_id: str, session=requests, partner: int = 1
):
	"""A partner's signed message, as the load balancer in front of the hosts passes it on: with the
	partner's own address in X-Forwarded-For (the rate limits count each partner's server apart)."""
	body = {"channel": channel, "client": {"id": client, "full_name": client}, "text": "Hello"}
	body["message_id"] = message_id
	raw = json.dumps(body).encode()
	signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
	headers = {"Content-Type": "application/json", "X-IQChannels-Signature": signature}
	headers["X-Forwarded-For"] = f"192.0.2.{partner}"
	return session.post(
		f"{url}/api/method/iqchannels.api.inbound.message", data=raw, headers=headers, timeout=60
	)


def through_both(hosts, channel: str, secret: str, client: str, message_id: str) -> list:
	"""The same message posted to every host at the same instant."""
	barrier = threading.Barrier(len(hosts))

	def send(host):
		barrier.wait()
		return client_message(host.url, channel, secret, client, message_id)

	with ThreadPoolExecutor(len(hosts)) as pool:
		return list(pool.map(send, hosts))


def logged_in(url: str, user: str) -> requests.Session:
	session = requests.Session()
	answer = session.post(f"{url}/api/method/login", data={"usr": user, "pwd": PASSWORD}, timeout=60)
	answer.raise_for_status()
	return session


def operator_call(session, url: str, method: str, get: bool = False, **args) -> requests.Response:
	path = f"{url}/api/method/iqchannels.api.operator.{method}"
	if get:
		return session.get(path, params=args, headers={"Accept": "application/json"}, timeout=60)
	return session.post(path, data=args, headers={"Accept": "application/json"}, timeout=60)


class Socket:
	"""A session's socket on one host's socket.io server, recording the app's events."""

	def __init__(self, host, sid: str):
		self.events: list[tuple[str, dict]] = []
		self.lock = threading.Lock()
		self.client = socketio.Client(reconnection=False)
		self.client.on("*", self.record, namespace=NAMESPACE)
		self.client.connect(
			host.socketio_url,
			namespaces=[NAMESPACE],
			transports=["polling"],
			# The socket.io server checks the session by calling back the web server it came from.
			headers={"Origin": host.url, "Cookie": f"sid={sid}"},
			wait_timeout=10,
		)

	def record(self, event, payload=None):
		if event.startswith("iqchannels:"):
			with self.lock:
				self.events.append((event.removeprefix("iqchannels:"), payload or {}))

	def join(self, doctype: str, name: str) -> None:
		self.client.emit("doc_subscribe", (doctype, name), namespace=NAMESPACE)

	def got(self, event: str, **match) -> bool:
		with self.lock:
			return any(
				name == event
				and any(
					all(item.get(k) == v for k, v in match.items())
					for item in (payload, *payload.get("assignments", ()))
				)
				for name, payload in self.events
			)

	def hears(self, event: str, timeout: float = 15, **match) -> bool:
		return wait_until(lambda: self.got(event, **match), timeout)


def test_an_event_raised_on_one_host_reaches_a_socket_on_the_other(hosts):
	from iqchannels.tests.factories import make_line

	a, b = hosts
	ann = operator(5, "Ann")
	line = make_line([ann])
	channel, secret = api_channel(line)
	frappe.db.commit()
	# Ann logs in on A; her session is the site's, so B's socket.io server and web server know it.
	session = logged_in(a.url, ann)
	on_a, on_b = Socket(a, session.cookies["sid"]), Socket(b, session.cookies["sid"])
	try:
		on_b.join("IQC Line", line)
		time.sleep(1)
		written = client_message(a.url, channel, secret, unique("client"), unique("m"))
		assert written.status_code == 201, written.text
		conversation = written.json()["message"]["conversation"]
		# Raised by A's web server, and by whichever host's worker assigned it.
		assert on_b.hears("conversation-queued", conversation=conversation), on_b.events
		assert on_b.hears("conversations-assigned", conversation=conversation, operator=ann), on_b.events

		reply = operator_call(session, b.url, "reply", conversation=conversation, text="Hello from B")
		assert reply.status_code == 200, reply.text
		message = reply.json()["message"]["name"]
		# Raised by B's web server, heard on A.
		assert on_a.hears("message-created", message=message), on_a.events
	finally:
		on_a.client.disconnect()
		on_b.client.disconnect()


def test_clients_and_operators_through_both_hosts_keep_the_floor_sound(hosts):
	"""The concurrency test across hosts: new clients write through A and B (some of their messages
	sent to both at once, as a retry through another host), operators logged in on one host change
	their status, take queued conversations and close theirs through either host."""
	from iqchannels.tests.factories import make_line

	a, b = hosts
	slots = 3
	users = [operator(slots, f"Hosts{i}") for i in range(8)]
	# Two lines sharing three operators: one operator may be filled from both lines, through two hosts.
	lines = [make_line(users[:5]), make_line(users[2:])]
	channels = [api_channel(line) for line in lines]
	frappe.db.commit()
	sessions = {user: logged_in((a, b)[i % 2].url, user) for i, user in enumerate(users)}
	wait_until(queues_idle, SETTLE)

	accepted, failures, lock = {}, [], threading.Lock()
	clients_done = threading.Event()

	def client(worker: int, count: int = 30):
		for i in range(count):
			channel, secret = channels[(worker + i) % 2]
			client_id, message_id = unique(f"c{worker}-{i}"), unique("m")
			if i % 6 == 0:
				# The same message through both hosts at once: one stores it, the other finds it.
				answers = through_both(hosts, channel, secret, client_id, message_id)
				codes = sorted(r.status_code for r in answers)
				if codes != [200, 201]:
					with lock:
						failures.append(("copies", codes, [r.text[:200] for r in answers]))
			else:
				answers = [
					client_message((a, b)[(worker + i) % 2].url, channel, secret, client_id, message_id)
				]
			with lock:
				if all(r.status_code in (200, 201) for r in answers):
					accepted[message_id] = channel
				else:
					failures.append(("message", [r.status_code for r in answers], answers[0].text[:200]))

	actions = {"status": 0, "took": 0, "closed": 0}
	refusals = {}

	def operators(seed: int):
		rng = random.Random(seed)
		while not clients_done.is_set():
			user = rng.choice(users)
			session, url = sessions[user], rng.choice((a, b)).url
			roll = rng.random()
			if roll < 0.25:
				status = rng.choice(["Active", "Active", "Away", "Break"])
				answer = operator_call(session, url, "set_status", status=status)
				kind = "status"
			elif roll < 0.65:
				queue = operator_call(session, url, "inbox", get=True, view="queue", page_length=3)
				if queue.status_code != 200 or not queue.json()["message"]:
					continue
				target = rng.choice(queue.json()["message"])["name"]
				answer = operator_call(session, rng.choice((a, b)).url, "take", conversation=target)
				kind = "took"
			else:
				mine = operator_call(session, url, "inbox", get=True, view="mine", page_length=3)
				if mine.status_code != 200 or not mine.json()["message"]:
					continue
				target = mine.json()["message"][0]["name"]
				answer = operator_call(
					session, rng.choice((a, b)).url, "close", conversation=target, result="Resolved"
				)
				kind = "closed"
			with lock:
				if answer.status_code >= 500 or answer.status_code < 200:
					failures.append((kind, answer.status_code, answer.text[:300]))
				elif answer.status_code >= 300:
					# Someone was quicker, or the slots are busy: said in a 4xx.
					refusal = f"{kind} {answer.status_code}"
					refusals[refusal] = refusals.get(refusal, 0) + 1
				else:
					actions[kind] += 1

	operator_threads = [threading.Thread(target=operators, args=(seed,)) for seed in range(2)]
	for thread in operator_threads:
		thread.start()
	with ThreadPoolExecutor(4) as pool:
		list(pool.map(client, range(4)))
	clients_done.set()
	for thread in operator_threads:
		thread.join(120)
	assert not failures, failures[:5]

	# At rest: every operator Active, so that what still waits must find its way to a free slot.
	for user in users:
		answer = operator_call(
			sessions[user], (a, b)[users.index(user) % 2].url, "set_status", status="Active"
		)
		assert answer.status_code == 200, answer.text
	assert wait_until(queues_idle, SETTLE), "the workers finished"
	assert wait_until(lambda: nothing_waits_beside_a_free_slot(lines, users, slots), SETTLE), floor(lines)
	rows = check_floor(lines, users, slots, accepted)
	print(
		f"\ntwo hosts: {len(accepted)} messages accepted, {len(rows)} conversations, "
		f"{sum(r.status == 'Open' for r in rows)} open, {sum(r.status == 'Closed' for r in rows)} closed, "
		f"{sum(r.status == 'Queued' for r in rows)} queued; operators: {actions}, refused {refusals}; "
		f"distribution runs on A {a.jobs_run(RUN)}, on B {b.jobs_run(RUN)}"
	)


RUN = "iqchannels.flows.distribution.run"


def test_a_burst_through_both_hosts_is_distributed_by_workers_on_both(hosts):
	from iqchannels.tests.factories import make_line

	a, b = hosts
	slots, per_line, line_count, clients = 10, 5, 4, 240
	users = [operator(slots, f"Burst{i}") for i in range(per_line * line_count)]
	lines = [make_line(users[i * per_line : (i + 1) * per_line]) for i in range(line_count)]
	channels = [api_channel(line) for line in lines]
	frappe.db.commit()
	wait_until(queues_idle, SETTLE)
	runs_before = a.jobs_run(RUN), b.jobs_run(RUN)

	accepted = {}

	def write(i: int):
		channel, secret = channels[i % line_count]
		message_id = unique("burst")
		answer = client_message(
			(a, b)[i % 2].url, channel, secret, unique(f"burst{i}"), message_id, partner=10 + i % line_count
		)
		assert answer.status_code == 201, answer.text
		accepted[message_id] = channel

	started = time.monotonic()
	with ThreadPoolExecutor(8) as pool:
		list(pool.map(write, range(clients)))
	written = time.monotonic() - started
	capacity = slots * len(users)
	opened = lambda: sum(r.status == "Open" for r in conversations(lines))  # noqa: E731
	assert wait_until(lambda: opened() == capacity, SETTLE), floor(lines)
	assigned = time.monotonic() - started
	assert wait_until(queues_idle, SETTLE), "the workers finished"
	rows = check_floor(lines, users, slots, accepted)
	assert sum(r.status == "Queued" for r in rows) == clients - capacity
	runs = a.jobs_run(RUN) - runs_before[0], b.jobs_run(RUN) - runs_before[1]
	print(
		f"\nburst through two hosts: {clients} clients written in {written:.1f} s, {capacity} assigned "
		f"{assigned:.1f} s after the first; distribution runs started by A's worker {runs[0]}, by B's {runs[1]}"
	)
	assert all(runs), f"the workers of both hosts distributed: A {runs[0]}, B {runs[1]}"


def check_floor(lines: list[str], users: list[str], slots: int, accepted: dict) -> list:
	"""The guarantees of one host, checked after two: returns the lines' conversations."""
	from iqchannels.tests.factories import assignments_and_requeues

	fresh()
	stored = frappe.db.sql(
		"""select external_id, count(*) from `tabIQC Message` where author_type='Client'
		and external_id in %s group by external_id""",
		[list(accepted)],
	)
	stored = dict(stored)
	assert {m: stored.get(m, 0) for m in accepted if stored.get(m) != 1} == {}, "each accepted message once"
	rows = conversations(lines)
	assert len(rows) == len(accepted), "one conversation for each new client"
	assert {r.status for r in rows} <= {"Open", "Queued", "Closed"}

	held = {}
	for r in rows:
		if r.status == "Open":
			held[r.operator] = held.get(r.operator, 0) + 1
	assert set(held) <= set(users)
	assert max(held.values(), default=0) <= slots, held

	names = [str(r.name) for r in rows]
	assignments, requeues = assignments_and_requeues(names)
	for r in rows:
		key = str(r.name)
		expected = requeues.get(key, 0) + (0 if r.status == "Queued" else 1)
		assert assignments.get(key, 0) == expected, f"conversation {key} ({r.status}): assigned twice?"
	overflow = frappe.db.sql(
		"""select count(*) from `tabIQC Assignment Log` where conversation in %s
		and load_before >= slots""",
		[names],
	)[0][0]
	assert overflow == 0, f"{overflow} assignments over slots"
	return rows


def nothing_waits_beside_a_free_slot(lines: list[str], users: list[str], slots: int) -> bool:
	from iqchannels.records.operators import line_members

	rows = conversations(lines)
	load = {u: sum(r.status == "Open" and r.operator == u for r in rows) for u in users}
	active = set(
		frappe.get_all("IQC Operator", filters={"name": ["in", users], "status": "Active"}, pluck="name")
	)
	for line in lines:
		if any(r.status == "Queued" and r.line == line for r in rows):
			if any(u in active and load[u] < slots for u in line_members(line)):
				return False
	return True


def floor(lines: list[str]) -> dict:
	counts = {}
	for r in conversations(lines):
		counts[r.status] = counts.get(r.status, 0) + 1
	return counts


def unique(prefix: str) -> str:
	return f"{prefix}-{frappe.generate_hash(length=8)}"
