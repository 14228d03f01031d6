"""What survives a crash: a partner's messages while an RQ worker, Redis and MariaDB die, one after the other.

	cd ~/frappe-bench && env/bin/python apps/iqchannels/benchmarks/faults.py --site SITE
	    [--messages 2000] [--writers 8] [--operators 100] [--timeout 600]
	    [--mariadb-restart "service mariadb restart"] [--redis-restart "..."]

Starts what a production bench runs for the site: its web server (gunicorn, as `bench setup supervisor`
configures it) and two RQ workers (`frappe worker --queue short,default`); a worker that exits is started
again, as supervisor does. It adds 100 operators on one line (three slots each) with a partner's API
channel whose greeting goes to a webhook this script answers, so that every new conversation leaves a
delivery job. Then 8 writers post `--messages` signed messages (`iqchannels.api.inbound.message`, each
with its `message_id`) from a quarter as many clients, retrying as a partner does: after a 503 once its
`Retry-After` is over, after a connection error a second later. Meanwhile a thread turns operators Active
and Away through the operators' own API (`iqchannels.api.operator.set_status`, token authentication),
and the script

1. kills an RQ worker with SIGKILL (after a tenth of the messages),
2. restarts the Redis servers the site's queue and cache use (after a third),
3. restarts MariaDB (after three fifths),

printing what it does. Frappe's scheduler is not started (it would run every site of the bench): the
script asks for the app's two minute jobs that recovery relies on, the line sweep
(`iqchannels.flows.distribution.sweep`) and the delivery retries (`iqchannels.channels.registry.retry_due`),
as the scheduler does, through their Scheduled Job Types, every `--tick` seconds (60, the scheduler's own
tick). Once every message is answered 2xx it waits up to 60 s for the floor to settle, then prints:

- the answers: 2xx, 503 (with and without Retry-After), other statuses (every 5xx other than 503 named);
- each message answered 2xx: stored once, twice or lost; each answered 503 and stored by its retry;
- the conversations: Open with one operator, Queued, anything else; Queued while an Active operator
  of the line has a free slot; operators over their slots; conversations assigned twice (their
  assignment logs);
- the greetings' deliveries: sent, pending, failed, and those whose job was lost with the worker or Redis
  and that were delivered later; the seconds the floor took to settle.

It exits non-zero when an invariant fails. The restart commands default to what a bench machine has:
`service mariadb restart`, and for each Redis port of the site's `redis_queue` and `redis_cache`,
`redis-cli -p PORT shutdown nosave` and `redis-server` started again as `.ci/services` starts it. The
operators, line and channel it made are removed at the end (`--keep` leaves them).
"""

import argparse
import hashlib
import hmac
import json
import os
import random
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import requests
from site_processes import rq_worker, web_server

SLOTS = 3
SETTLE_SECONDS = 60
FAULT_GAP = 5  # seconds at least between one fault's end and the next, so that each is met on its own
MINUTE_JOBS = ("iqchannels.flows.distribution.sweep", "iqchannels.channels.registry.retry_due")
GREETING = "Hello! An operator will answer shortly."


def main():
	args = arguments()
	bench = Path(args.bench).resolve()
	os.chdir(bench / "sites")
	sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))
	import frappe

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	conf = frappe.get_site_config()
	run = Run(args, bench, conf)
	failed = 1
	try:
		run.setup()
		run.start_services()
		run.write_with_faults()
		run.settle()
		run.stop_services()
		failed = run.report()
	finally:
		run.stop_services()
		if not args.keep and hasattr(run, "line"):
			run.cleanup()
	sys.exit(failed)


def arguments():
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	parser.add_argument("--site", default=os.environ.get("IQC_SITE"), required="IQC_SITE" not in os.environ)
	parser.add_argument("--bench", default=os.environ.get("IQC_BENCH_DIR", str(Path.home() / "frappe-bench")))
	parser.add_argument("--messages", type=int, default=2000)
	parser.add_argument("--writers", type=int, default=8)
	parser.add_argument("--operators", type=int, default=100)
	parser.add_argument("--port", type=int, default=8031, help="the web server's port")
	parser.add_argument("--webhook-port", type=int, default=8032)
	parser.add_argument("--web-workers", type=int, default=4)
	parser.add_argument("--tick", type=float, default=60, help="seconds between the minute jobs")
	parser.add_argument("--timeout", type=float, default=600, help="the whole run's bound in seconds")
	parser.add_argument("--mariadb-restart", default="service mariadb restart")
	parser.add_argument("--redis-restart", help="a shell command; default: each Redis of the site")
	parser.add_argument("--keep", action="store_true", help="leave the operators, line and channel")
	return parser.parse_args()


class Run:
	def __init__(self, args, bench: Path, conf):
		self.args, self.bench, self.conf = args, bench, conf
		self.url = f"http://127.0.0.1:{args.port}"
		self.started = time.monotonic()
		self.deadline = self.started + args.timeout
		self.lock = threading.Lock()
		self.answers = Counter()  # status code -> count, every answer of the writers
		self.without_retry_after = 0
		self.odd = []  # (status, first line of the body) of every answer neither 2xx nor 503
		self.answered = {}  # message_id -> the 2xx answer's body
		self.got_503 = set()  # message_ids answered 503 at least once
		self.connection_errors = 0
		self.status_answers = Counter()
		self.delivered = Counter()  # message name -> webhook posts received
		self.events = []
		self.lost_jobs = set()  # greetings Pending when a worker died or Redis restarted
		self.processes = {}
		self.stop = threading.Event()

	# -- setup -------------------------------------------------------------------------------------

	def setup(self):
		import frappe
		from frappe.utils.password import set_encrypted_password

		from iqchannels.tests.factories import make_channel, make_line, make_operator

		self.say(f"setting up {self.args.operators} operators with {SLOTS} slots on one line")
		self.users, self.keys = [], {}
		for i in range(self.args.operators):
			user = make_operator(status="Active", slots=SLOTS, first_name=f"Fault{i}")
			key, secret = frappe.generate_hash(length=15), frappe.generate_hash(length=15)
			frappe.db.set_value("User", user, "api_key", key)
			set_encrypted_password("User", user, secret, "api_secret")
			self.users.append(user)
			self.keys[user] = f"token {key}:{secret}"
		self.line = make_line(self.users)
		self.secret = frappe.generate_hash(length=32)
		self.channel = make_channel(
			self.line,
			"API",
			secret=self.secret,
			webhook_url=f"http://127.0.0.1:{self.args.webhook_port}/hook",
			greeting_text=GREETING,
		).name
		frappe.db.commit()
		clients = max(1, self.args.messages // 4)
		tag = frappe.generate_hash(length=6)
		self.work = [(f"fault-{tag}-c{i % clients}", f"fault-{tag}-m{i}") for i in range(self.args.messages)]

	def cleanup(self):
		import frappe

		try:
			self.fresh()
			conversations = frappe.get_all("IQC Conversation", {"line": self.line}, pluck="name")
			clients = frappe.get_all("IQC Conversation", {"line": self.line}, pluck="client", distinct=True)
			for doctype, field, values in (
				("IQC Message", "conversation", conversations),
				("IQC Assignment Log", "conversation", conversations),
				("IQC Conversation", "name", conversations),
				("IQC Client Identity", "parent", clients),
				("IQC Client", "name", clients),
				("IQC Operator Status Log", "operator", self.users),
				("IQC Operator", "name", self.users),
			):
				if values:
					frappe.db.delete(doctype, {field: ["in", values]})
			frappe.delete_doc("IQC Channel", self.channel, force=True, ignore_permissions=True)
			frappe.delete_doc("IQC Line", self.line, force=True, ignore_permissions=True)
			for user in self.users:
				frappe.delete_doc("User", user, force=True, ignore_permissions=True)
			frappe.db.commit()
		except Exception as e:
			self.say(f"cleanup stopped: {type(e).__name__}: {e}")

	# -- processes ---------------------------------------------------------------------------------

	def start_services(self):
		logs = self.bench / "logs"
		self.log_dir = logs
		env = dict(os.environ)
		env.pop("PYTHONDONTWRITEBYTECODE", None)
		gunicorn = web_server(self.bench, self.args.port, self.args.web_workers)
		worker = rq_worker(self.bench)
		self.commands = {"web": gunicorn, "worker-1": worker, "worker-2": worker}
		self.env = env
		for name in self.commands:
			self.spawn(name)
		self.webhook = ThreadingHTTPServer(("127.0.0.1", self.args.webhook_port), self.webhook_handler())
		threading.Thread(target=self.webhook.serve_forever, daemon=True).start()
		threading.Thread(target=self.supervise, daemon=True).start()
		for _ in range(120):
			try:
				if self.get("/api/method/ping").ok:
					break
			except requests.RequestException:
				pass
			time.sleep(0.5)
		else:
			raise SystemExit("the web server did not start: see " + str(logs / "faults-web.log"))
		self.say(f"web server (gunicorn, {self.args.web_workers} workers) on {self.url}, 2 RQ workers")

	def spawn(self, name: str):
		log = open(self.bench / "logs" / f"faults-{name}.log", "a")
		self.processes[name] = subprocess.Popen(
			self.commands[name], cwd=".", stdout=log, stderr=subprocess.STDOUT, env=self.env
		)

	def supervise(self):
		"""What supervisor does in production: a process that exits is started again."""
		while not self.stop.is_set():
			for name, process in list(self.processes.items()):
				if process.poll() is not None and not self.stop.is_set():
					self.say(f"{name} exited ({process.returncode}): started again, as supervisor does")
					time.sleep(1)
					self.spawn(name)
			time.sleep(0.5)

	def stop_services(self):
		if self.stop.is_set():
			return
		self.stop.set()
		for process in self.processes.values():
			if process.poll() is None:
				process.terminate()
		for process in self.processes.values():
			try:
				process.wait(timeout=20)
			except subprocess.TimeoutExpired:
				process.kill()
		if hasattr(self, "webhook"):
			self.webhook.shutdown()

	def webhook_handler(self):
		run = self

		class Hook(BaseHTTPRequestHandler):
			def do_POST(self):
				body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
				with run.lock:
					run.delivered[int(body["message"]["id"])] += 1
				self.send_response(200)
				self.end_headers()
				self.wfile.write(b"{}")

			def log_message(self, *args):
				pass

		return Hook

	# -- requests ----------------------------------------------------------------------------------

	def headers(self, **more) -> dict:
		return {"X-Frappe-Site-Name": self.args.site, **more}

	def get(self, path: str) -> requests.Response:
		return requests.get(self.url + path, headers=self.headers(), timeout=10)

	def post_message(self, session, client: str, message_id: str) -> requests.Response:
		body = {
			"channel": self.channel,
			"client": {"id": client, "full_name": client},
			"text": f"Message {message_id}",
			"message_id": message_id,
		}
		raw = json.dumps(body).encode()
		signature = "sha256=" + hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()
		return session.post(
			self.url + "/api/method/iqchannels.api.inbound.message",
			data=raw,
			headers=self.headers(**{"Content-Type": "application/json", "X-IQChannels-Signature": signature}),
			timeout=60,
		)

	def writer(self, items: list):
		session = requests.Session()
		for client, message_id in items:
			while time.monotonic() < self.deadline:
				try:
					answer = self.post_message(session, client, message_id)
				except requests.RequestException:
					with self.lock:
						self.connection_errors += 1
					time.sleep(1)
					continue
				with self.lock:
					self.answers[answer.status_code] += 1
				if answer.ok:
					with self.lock:
						self.answered[message_id] = answer.json()["message"]
					break
				wait = 1.0
				if answer.status_code in (503, 429):
					retry_after = answer.headers.get("Retry-After")
					if answer.status_code == 503:
						with self.lock:
							self.got_503.add(message_id)
							self.without_retry_after += not retry_after
					wait = min(float(retry_after or 1), 10)
				else:
					with self.lock:
						self.odd.append((answer.status_code, " ".join(answer.text[:300].split())))
				time.sleep(wait)

	def status_changer(self):
		"""Operators turn Away and Active again through their own API, one every tenth of a second."""
		session, rng = requests.Session(), random.Random(7)
		away = set()
		while not self.stop.is_set() and not self.writing_done.is_set():
			user = rng.choice(self.users)
			status = "Active" if user in away or len(away) > len(self.users) // 3 else "Away"
			if status == "Active" and user not in away:
				user = rng.choice(sorted(away))
			try:
				answer = session.post(
					self.url + "/api/method/iqchannels.api.operator.set_status",
					data={"status": status},
					headers=self.headers(Authorization=self.keys[user]),
					timeout=60,
				)
			except requests.RequestException:
				time.sleep(1)
				continue
			with self.lock:
				self.status_answers[answer.status_code] += 1
			if answer.ok:
				(away.discard if status == "Active" else away.add)(user)
			elif answer.status_code != 503:
				with self.lock:
					self.odd.append(
						(answer.status_code, "set_status: " + " ".join(answer.text[:300].split()))
					)
			time.sleep(0.1)

	def minute_jobs(self):
		"""The scheduler's part in recovery: the app's minute jobs, enqueued as the scheduler does."""
		import frappe

		frappe.init(site=self.args.site, sites_path=".")
		while not self.stop.wait(self.args.tick):
			try:
				frappe.connect()
				for method in MINUTE_JOBS:
					frappe.get_doc("Scheduled Job Type", {"method": method}).enqueue(force=True)
				frappe.db.commit()
			except Exception as e:
				self.say(f"the minute jobs could not be enqueued now ({type(e).__name__}); next tick")
			finally:
				if frappe.local.db:
					frappe.db.close()

	# -- the run -----------------------------------------------------------------------------------

	def write_with_faults(self):
		self.writing_done = threading.Event()
		shares = [self.work[i :: self.args.writers] for i in range(self.args.writers)]
		writers = [threading.Thread(target=self.writer, args=(share,)) for share in shares]
		for thread in writers:
			thread.start()
		threading.Thread(target=self.status_changer, daemon=True).start()
		threading.Thread(target=self.minute_jobs, daemon=True).start()
		self.say(f"{self.args.writers} writers post {len(self.work)} messages; operators change statuses")
		total = len(self.work)
		for share, fault in (
			(0.1, self.kill_worker),
			(0.33, self.restart_redis),
			(0.6, self.restart_mariadb),
		):
			while len(self.answered) < share * total and any(t.is_alive() for t in writers):
				time.sleep(0.2)
			time.sleep(max(0, getattr(self, "fault_over", 0) + FAULT_GAP - time.monotonic()))
			fault()
			self.fault_over = time.monotonic()
		for thread in writers:
			thread.join(max(1, self.deadline - time.monotonic()))
		self.writing_done.set()
		self.written_at = time.monotonic()
		self.say(f"writing over: {len(self.answered)} of {total} messages answered 2xx")

	def kill_worker(self):
		process = self.processes["worker-1"]
		self.note_pending_deliveries()
		os.kill(process.pid, signal.SIGKILL)
		self.say(f"killed RQ worker {process.pid} with SIGKILL")

	def restart_redis(self):
		self.note_pending_deliveries()
		ports = sorted(
			{urlparse(self.conf[k]).port for k in ("redis_queue", "redis_cache") if self.conf.get(k)}
		)
		if self.args.redis_restart:
			command = self.args.redis_restart
		else:
			command = "; ".join(
				f"redis-cli -p {port} shutdown nosave >/dev/null 2>&1; sleep 2; "
				f"redis-server --port {port} --bind 127.0.0.1 --daemonize yes --save '' --appendonly no "
				f"--logfile {shlex.quote(str(self.bench / 'logs' / f'redis-{port}.log'))}"
				for port in ports
			)
		self.say(f"restarting Redis (ports {', '.join(map(str, ports))}): {command}")
		subprocess.run(command, shell=True, check=False)
		for port in ports:
			self.wait_for_port(port)
		self.say("Redis answers again")

	def restart_mariadb(self):
		host, port = self.conf.get("db_host") or "127.0.0.1", int(self.conf.get("db_port") or 3306)
		self.say(f"restarting MariaDB ({host}:{port}): {self.args.mariadb_restart}")
		subprocess.run(self.args.mariadb_restart, shell=True, check=False)
		self.wait_for_port(port, host)
		self.last_fault_at = time.monotonic()
		self.say("MariaDB answers again")

	def wait_for_port(self, port: int, host: str = "127.0.0.1"):
		for _ in range(240):
			try:
				socket.create_connection((host, port), timeout=1).close()
				return
			except OSError:
				time.sleep(0.25)
		raise SystemExit(f"{host}:{port} did not come back")

	def note_pending_deliveries(self):
		"""The greetings waiting for delivery now: their jobs die with the worker or with Redis."""
		import frappe

		try:
			self.fresh()
			pending = frappe.get_all(
				"IQC Message",
				{"channel": self.channel, "author_type": "Bot", "delivery_status": "Pending"},
				pluck="name",
			)
			self.lost_jobs.update(int(p) for p in pending)
		except Exception as e:
			self.say(f"could not read the pending deliveries: {type(e).__name__}")

	# -- checks ------------------------------------------------------------------------------------

	def fresh(self):
		import frappe

		try:
			frappe.db.rollback()
			frappe.db.sql("select 1")
		except Exception:
			frappe.connect()
			frappe.set_user("Administrator")

	def floor(self) -> dict:
		import frappe

		self.fresh()
		rows = frappe.db.sql(
			"select name, status, operator from `tabIQC Conversation` where line=%s", self.line, as_dict=True
		)
		operators = {
			o.name: o
			for o in frappe.get_all("IQC Operator", {"name": ["in", self.users]}, ["name", "status", "slots"])
		}
		load = Counter(r.operator for r in rows if r.status == "Open")
		free = sum(1 for o in operators.values() if o.status == "Active" and load[o.name] < o.slots)
		logs = Counter(
			frappe.db.sql_list(
				"""select conversation from `tabIQC Assignment Log` l
				join `tabIQC Conversation` c on c.name=l.conversation where c.line=%s""",
				self.line,
			)
		)
		deliveries = Counter(
			dict(
				frappe.db.sql(
					"""select delivery_status, count(*) from `tabIQC Message`
					where channel=%s and author_type='Bot' group by delivery_status""",
					self.channel,
				)
			)
		)
		queued = sum(1 for r in rows if r.status == "Queued")
		return {
			"conversations": len(rows),
			"open_one_operator": sum(1 for r in rows if r.status == "Open" and r.operator),
			"queued": queued,
			"other": sum(
				1 for r in rows if not (r.status == "Queued" or (r.status == "Open" and r.operator))
			),
			"queued_while_a_slot_is_free": queued if free else 0,
			"over_slots": sum(1 for o in operators.values() if load[o.name] > o.slots),
			"assigned_twice": sum(1 for n in logs.values() if n > 1),
			"deliveries": deliveries,
		}

	def settled(self, floor: dict) -> bool:
		return (
			floor["other"] == 0
			and floor["queued_while_a_slot_is_free"] == 0
			and floor["over_slots"] == 0
			and floor["deliveries"].get("Pending", 0) == 0
		)

	def settle(self):
		deadline = self.written_at + SETTLE_SECONDS
		while True:
			try:
				self.last_floor = self.floor()
			except Exception as e:
				self.say(f"could not read the floor now: {type(e).__name__}")
				self.last_floor = None
			if self.last_floor and self.settled(self.last_floor):
				self.settled_after = time.monotonic() - self.written_at
				return
			if time.monotonic() > deadline:
				self.settled_after = None
				return
			time.sleep(1)

	def stored(self) -> Counter:
		import frappe

		self.fresh()
		ids = [message_id for _client, message_id in self.work]
		counts = Counter()
		for start in range(0, len(ids), 500):
			counts.update(
				dict(
					frappe.db.sql(
						"""select external_id, count(*) from `tabIQC Message`
						where channel=%s and author_type='Client' and external_id in %s group by external_id""",
						(self.channel, tuple(ids[start : start + 500])),
					)
				)
			)
		return counts

	def report(self) -> int:
		stored = self.stored()
		answered = set(self.answered)
		floor = self.last_floor or self.floor()
		twice = [m for m in answered if stored[m] > 1]
		lost = [m for m in answered if stored[m] == 0]
		unanswered = [m for _c, m in self.work if m not in answered]
		retried = [m for m in self.got_503 if m in answered and stored[m] == 1]
		other = {s: n for s, n in self.answers.items() if not (200 <= s < 300 or s in (503, 429))}
		deliveries = floor["deliveries"]
		resumed = sum(1 for m in self.lost_jobs if self.delivered[m])
		print("\n== faults: what survives a crash")
		for line in self.events:
			print("  " + line)
		print(f"requests answered 2xx: {sum(n for s, n in self.answers.items() if 200 <= s < 300)}")
		print(
			f"answered 503: {self.answers[503]} (with Retry-After: {self.answers[503] - self.without_retry_after},"
			f" without: {self.without_retry_after}); 429: {self.answers[429]}; connection errors: "
			f"{self.connection_errors}"
		)
		print(f"other statuses: {sum(other.values())} {dict(other) or ''}".rstrip())
		for (status, text), n in Counter(self.odd).most_common(10):
			print(f"  {n} x {status}: {text}")
		print(f"operators' status changes answered: {dict(sorted(self.status_answers.items()))}")
		print(
			f"messages answered 2xx: {len(answered)} of {len(self.work)}; stored exactly once "
			f"{sum(1 for m in answered if stored[m] == 1)}, twice or more {len(twice)}, lost {len(lost)}; "
			f"answered 503 then stored once by a retry: {len(retried)}; never answered 2xx: {len(unanswered)}"
		)
		print(
			f"conversations: {floor['conversations']}; Open with one operator {floor['open_one_operator']}, "
			f"Queued {floor['queued']}, other {floor['other']}; Queued while a slot is free "
			f"{floor['queued_while_a_slot_is_free']}"
		)
		print(
			f"operators over their slots: {floor['over_slots']}; conversations assigned twice "
			f"(assignment log): {floor['assigned_twice']}"
		)
		print(
			f"greetings' deliveries: Sent {deliveries.get('Sent', 0)}, Pending {deliveries.get('Pending', 0)}, "
			f"Failed {deliveries.get('Failed', 0)}; pending when a worker died or Redis restarted "
			f"{len(self.lost_jobs)}, of them delivered since {resumed}; webhook posts "
			f"{sum(self.delivered.values())} for {len(self.delivered)} messages"
		)
		since_fault = (self.written_at - self.last_fault_at) if hasattr(self, "last_fault_at") else None
		print(
			"recovery: "
			+ (
				f"settled {self.settled_after:.1f} s after the writing ended"
				if self.settled_after is not None
				else f"NOT settled {SETTLE_SECONDS} s after the writing ended"
			)
			+ (f" ({since_fault:.1f} s after MariaDB was back)" if since_fault is not None else "")
			+ f"; whole run {time.monotonic() - self.started:.0f} s"
		)
		failures = [
			name
			for name, bad in (
				("a 2xx answer for a message not stored", lost),
				("a message stored twice", twice),
				("a message never stored", unanswered),
				("an answer other than 2xx, 503 or 429", other),
				("a 503 without Retry-After", self.without_retry_after),
				("the floor did not settle within 60 s", self.settled_after is None),
				("an operator over slots", floor["over_slots"]),
				("a conversation assigned twice", floor["assigned_twice"]),
			)
			if bad
		]
		print("FAILED: " + "; ".join(failures) if failures else "every invariant holds")
		return 1 if failures else 0

	def say(self, text: str):
		line = f"[{time.monotonic() - self.started:6.1f} s] {text}"
		self.events.append(line)
		print(line, flush=True)


if __name__ == "__main__":
	main()
