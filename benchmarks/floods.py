"""Floods: a well-behaved partner and web-chat visitor against floods of 10 times the rate limits.

	cd ~/frappe-bench/sites && ../env/bin/python /path/to/iqchannels/benchmarks/floods.py --site SITE

Starts the site's web server itself (gunicorn on 127.0.0.1:--port with --web-workers workers, as bench's
production setup runs it) and one RQ worker, and stops them at the end. Writes a line and an operator
(Offline, so that conversations wait and every new one wakes the line's distribution) with an API channel
and a web chat, and removes them and everything they received at the end.

Every client binds its own loopback address (Linux routes all of 127/8 to this machine), so the site
sees distinct callers as it would on the network: the partner at 127.0.0.2, the visitor at 127.0.0.3,
the floods at 127.0.0.10 and up. The limits are scaled by --scale through the site config's
`iqchannels_rate_limit_scale` (removed at the end): at the real limits, ten times them from several
addresses (1,200 partner messages a minute from one address is 200 a second at ten times) is more than
this benchmark's client and the site's server can produce and answer on a small machine.

Rounds of an unloaded and a flooded phase alternate (--rounds, --seconds each). In both, the partner posts
a signed message of one of its customers a second and the visitor's tab sends one message a second (both
well under their limits). In a flooded phase, each of --addresses addresses posts signed messages of new
customers at 10 times the inbound API's limit, and each of --addresses others sends web-chat messages at
10 times the chat's per-address limit. It prints:

- the well-behaved calls' latency (the HTTP round trip) unloaded and flooded, p50 and p95, and the ratio;
- the flood's answers by status (429 expected once an address is over its limit; never a 5xx);
- the length of the site's RQ queues before, during (the most seen) and after the floods;
- the distribution runs enqueued during the floods against the lines and conversations opened, and the
  most runs of one line seen waiting at once (one: they are deduplicated);
- the replies waiting for a delivery retry and the most attempts any has had (retries are capped).
"""

import argparse
import hashlib
import hmac
import http.client
import json
import math
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import frappe
from frappe.installer import update_site_config
from frappe.utils.background_jobs import get_queue
from rq.job import Job

sys.path.insert(0, str(Path(__file__).parent))
from bulk_rows import remove_floor, write_floor  # noqa: E402
from site_processes import rq_worker, web_server  # noqa: E402

PARTNER, FIRST_VISITOR, VISITORS, FIRST_FLOOD = "127.0.0.2", 3, 5, 10
INBOUND, SEND = "iqchannels.api.inbound.message", "iqchannels.api.widget.send"
QUEUES = ("short", "default", "long")
SETTLE = 5  # seconds: a flood's first, when each address spends its burst allowance
DEAD_WEBHOOK = "http://127.0.0.1:9/replies"  # nothing listens: every reply to the partner is retried


class Site:
	"""HTTP calls from one loopback address; each call on its own connection, as gunicorn's sync workers
	close every connection after its answer."""

	def __init__(self, port: int, address: str, host: str):
		self.port, self.address, self.host = port, address, host

	def post(self, method: str, body: bytes, headers: dict | None = None) -> tuple[int, float]:
		began = time.perf_counter()
		connection = http.client.HTTPConnection(
			"127.0.0.1", self.port, timeout=60, source_address=(self.address, 0)
		)
		try:
			connection.request(
				"POST",
				f"/api/method/{method}",
				body,
				{"Host": self.host, "Content-Type": "application/json", **(headers or {})},
			)
			answer = connection.getresponse()
			answer.read()
			return answer.status, time.perf_counter() - began
		except OSError:
			return 0, time.perf_counter() - began
		finally:
			connection.close()


def signed(secret: str, channel: str, client: str, text: str) -> tuple[bytes, dict]:
	body = json.dumps(
		{"channel": channel, "client": {"id": client, "full_name": client}, "text": text}
	).encode()
	return body, {
		"X-IQChannels-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
	}


def paced(rate: float, stop: threading.Event, call) -> None:
	"""Call `call(i)` `rate` times a second until `stop`, on schedule (a late call is not made up twice)."""
	started, i = time.perf_counter(), 0
	while not stop.is_set():
		call(i)
		i += 1
		wait = started + i / rate - time.perf_counter()
		if wait > 0:
			stop.wait(wait)
		elif wait < -1:
			started, i = time.perf_counter(), 0


def percentile(values: list[float], share: float) -> float:
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] * 1000


class Floor:
	"""The line, its operator and channels this benchmark writes, and what it removes at the end."""

	def __init__(self, prefix: str):
		from frappe.utils.password import set_encrypted_password

		self.prefix = prefix
		self.api, self.chat = f"{prefix}-api", f"{prefix}-chat"
		self.user, self.line = write_floor(prefix, {self.api: "API", self.chat: "Web widget"})
		self.secret = frappe.generate_hash(length=32)
		set_encrypted_password("IQC Channel", self.api, self.secret, "secret")
		# The web chat signs its visitors' tokens with its own.
		set_encrypted_password("IQC Channel", self.chat, frappe.generate_hash(length=32), "secret")
		frappe.db.set_value(
			"IQC Channel",
			self.api,
			{"webhook_url": DEAD_WEBHOOK, "greeting_text": "Hello, an operator will answer you shortly."},
		)
		frappe.db.commit()

	def tokens(self, count: int) -> list[str]:
		from iqchannels.channels import widget

		chat = frappe.get_doc("IQC Channel", self.chat)
		return [widget.token_for(chat, widget.new_anonymous_id()) for _ in range(count)]

	def conversations(self) -> int:
		frappe.db.rollback()
		return frappe.db.count("IQC Conversation", {"line": self.line})

	def retries(self) -> tuple[int, int]:
		"""(replies waiting for a delivery retry, the most attempts of any reply of the floor)."""
		frappe.db.rollback()
		channels = (self.api, self.chat)
		waiting = frappe.db.count(
			"IQC Message",
			{"channel": ["in", channels], "delivery_status": "Pending", "next_attempt_at": ["is", "set"]},
		)
		most = frappe.db.sql(
			"select max(delivery_attempts) from `tabIQC Message` where channel in %s", (channels,)
		)[0][0]
		return waiting, most or 0

	def remove(self) -> None:
		frappe.db.rollback()
		channels = (self.api, self.chat)
		clients = frappe.get_all("IQC Client Identity", filters={"channel": ["in", channels]}, pluck="parent")
		frappe.db.delete("IQC Message", {"channel": ["in", channels]})
		frappe.db.delete("IQC Conversation", {"channel": ["in", channels]})
		for doctype, field in (("IQC Client Identity", "parent"), ("IQC Client", "name")):
			for start in range(0, len(clients), 1000):
				frappe.db.delete(doctype, {field: ["in", clients[start : start + 1000]]})
		frappe.db.delete("__Auth", {"doctype": "IQC Channel", "name": ["in", channels]})
		remove_floor(self.prefix, channels)
		frappe.db.commit()


class Queues:
	"""The site's RQ queues, and the distribution runs seen in them."""

	def __init__(self, site: str):
		self.site = site
		self.queues = {name: get_queue(name) for name in QUEUES}
		self.short = self.queues["short"]
		self.runs: dict[str, str] = {}  # job id -> line
		self.most_waiting_of_a_line = 0

	def lengths(self) -> dict[str, int]:
		return {name: queue.count for name, queue in self.queues.items()}

	def look(self) -> None:
		"""Note the distribution runs waiting now (a run taken over by another is never seen by a worker)."""
		ids = [i for i in self.short.job_ids if i.startswith(f"{self.site}::iqchannels-distribution-")]
		lines = Counter()
		for job in Job.fetch_many(ids, connection=self.short.connection):
			if job:
				line = job.kwargs.get("kwargs", {}).get("line")
				self.runs[job.id] = line
				lines[line] += 1
		self.most_waiting_of_a_line = max([self.most_waiting_of_a_line, *lines.values()])

	def ran_since(self, since: float) -> None:
		"""Add the runs that workers took since `since` (epoch seconds)."""
		registries = (
			self.short.started_job_registry,
			self.short.finished_job_registry,
			self.short.failed_job_registry,
		)
		ids = [
			i
			for registry in registries
			for i in registry.get_job_ids()
			if i.startswith(f"{self.site}::iqchannels-distribution-") and i not in self.runs
		]
		for job in Job.fetch_many(ids, connection=self.short.connection):
			if job and job.enqueued_at and job.enqueued_at.timestamp() >= since:
				self.runs[job.id] = job.kwargs.get("kwargs", {}).get("line")


def refusal_cost(args, calls: int = 60) -> tuple[float, float]:
	"""Median milliseconds of a refused call and of Frappe's ping, one after the other on an idle server."""
	from iqchannels.records.rate_limit import hold_off

	flooder = Site(args.port, "127.0.0.9", args.site)
	hold_off(f"{SEND}:127.0.0.9", 600)
	refused, pinged = [], []
	for _ in range(calls):
		status, seconds = flooder.post(SEND, b'{"channel": "x", "token": "x", "text": "x"}')
		assert status == 429, status
		refused.append(seconds)
		pinged.append(flooder.post("ping", b"{}")[1])
	return percentile(refused, 0.5), percentile(pinged, 0.5)


def start_servers(args) -> list[subprocess.Popen]:
	bench = Path.cwd().parent
	logs = Path(args.logs)
	logs.mkdir(parents=True, exist_ok=True)
	web = subprocess.Popen(
		web_server(bench, args.port, args.web_workers),
		stdout=open(logs / "floods-web.log", "w"),
		stderr=subprocess.STDOUT,
	)
	worker = subprocess.Popen(
		rq_worker(bench), stdout=open(logs / "floods-worker.log", "w"), stderr=subprocess.STDOUT
	)
	site = Site(args.port, PARTNER, args.site)
	for _ in range(120):
		status, _seconds = site.post("ping", b"{}")
		if status == 200:
			return [web, worker]
		time.sleep(0.5)
	stop_servers([web, worker])
	raise RuntimeError(f"the web server did not start: see {logs / 'floods-web.log'}")


def stop_servers(processes: list[subprocess.Popen]) -> None:
	for process in processes:
		process.terminate()
	for process in processes:
		try:
			process.wait(timeout=20)
		except subprocess.TimeoutExpired:
			process.kill()


def main():
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", required=True)
	parser.add_argument("--port", type=int, default=8061)
	parser.add_argument("--web-workers", type=int, default=4)
	parser.add_argument("--scale", type=float, default=0.1, help="the site's limits are multiplied by it")
	parser.add_argument("--addresses", type=int, default=4, help="flooding addresses per endpoint")
	parser.add_argument("--rounds", type=int, default=2)
	parser.add_argument("--seconds", type=float, default=30, help="of each phase")
	parser.add_argument("--logs", default=os.environ.get("IQC_LOGS", "/tmp"))
	args = parser.parse_args()

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	from iqchannels.api import inbound, widget
	from iqchannels.channels.registry import RETRY_AFTER_MINUTES
	from iqchannels.records.rate_limit import limits_of

	inbound_limit = limits_of(inbound.message)[0][0] * args.scale  # a minute, from one address
	send_limit = limits_of(widget.send)[0][0] * args.scale
	visitor_limit = limits_of(widget.send)[1][0] * args.scale
	floor = Floor(f"floods-{frappe.generate_hash(length=6)}")
	update_site_config("iqchannels_rate_limit_scale", args.scale)
	frappe.cache.delete_keys("rl:")
	processes = []
	try:
		processes = start_servers(args)
		run(args, floor, inbound_limit, send_limit, visitor_limit, RETRY_AFTER_MINUTES)
	finally:
		stop_servers(processes)
		update_site_config("iqchannels_rate_limit_scale", "None")
		floor.remove()
		frappe.destroy()


def run(args, floor, inbound_limit, send_limit, visitor_limit, retry_minutes):
	queues = Queues(args.site)
	partner = Site(args.port, PARTNER, args.site)
	# Visitors at addresses of their own, as on the web: together one message a second, each address
	# and each visitor well under its limit.
	# At most half of each limit: the partner one message a second, the visitors one between them.
	partner_rate = min(1.0, inbound_limit / 120)
	visitor_rate = min(1.0, VISITORS * send_limit / 120)
	tokens = max(1, math.ceil(visitor_rate / VISITORS * 60 / (visitor_limit / 2)))
	visitors = [
		(Site(args.port, f"127.0.0.{FIRST_VISITOR + n}", args.site), floor.tokens(tokens))
		for n in range(VISITORS)
	]
	refusal, ping = refusal_cost(args)
	latencies = {(kind, phase): [] for kind in ("partner", "visitor") for phase in ("unloaded", "flooded")}
	well_behaved_answers, flood_answers = Counter(), Counter()
	phase, phase_began = ["unloaded"], [time.perf_counter()]
	settled = {"partner": [], "visitor": []}  # flooded, after the first SETTLE seconds of the phase

	def note(kind: str, began: float, seconds: float) -> None:
		latencies[(kind, phase[0])].append(seconds)
		if phase[0] == "flooded" and began - phase_began[0] >= SETTLE:
			settled[kind].append(seconds)

	def partner_message(i: int) -> None:
		body, headers = signed(floor.secret, floor.api, f"{floor.prefix}-customer-{i % 10}", f"Question {i}")
		began = time.perf_counter()
		status, seconds = partner.post(INBOUND, body, headers)
		well_behaved_answers[("partner", status)] += 1
		if status < 300:
			note("partner", began, seconds)

	def visitor_message(i: int) -> None:
		site, tokens = visitors[i % VISITORS]
		token = tokens[(i // VISITORS) % len(tokens)]
		body = json.dumps({"channel": floor.chat, "token": token, "text": f"Message {i}"}).encode()
		began = time.perf_counter()
		status, seconds = site.post(SEND, body)
		well_behaved_answers[("visitor", status)] += 1
		if status < 300:
			note("visitor", began, seconds)

	def inbound_flood(site: Site):
		def call(i: int) -> None:
			body, headers = signed(floor.secret, floor.api, f"{floor.prefix}-{site.address}-{i}", "Flood")
			flood_answers[("inbound API", site.post(INBOUND, body, headers)[0])] += 1

		return call

	def chat_flood(site: Site, tokens: list[str]):
		def call(i: int) -> None:
			body = json.dumps(
				{"channel": floor.chat, "token": tokens[i % len(tokens)], "text": "Flood"}
			).encode()
			flood_answers[("web chat", site.post(SEND, body)[0])] += 1

		return call

	flooders = []
	for n in range(args.addresses):
		flooders.append(
			(inbound_flood(Site(args.port, f"127.0.0.{FIRST_FLOOD + n}", args.site)), 10 * inbound_limit / 60)
		)
		address = f"127.0.0.{FIRST_FLOOD + args.addresses + n}"
		flooders.append(
			(chat_flood(Site(args.port, address, args.site), floor.tokens(50)), 10 * send_limit / 60)
		)

	before = queues.lengths()
	retries_before = floor.retries()
	stop_all = threading.Event()
	steady = [
		threading.Thread(target=paced, args=(partner_rate, stop_all, partner_message)),
		threading.Thread(target=paced, args=(visitor_rate, stop_all, visitor_message)),
	]
	for thread in steady:
		thread.start()
	most = dict.fromkeys(QUEUES, 0)
	flood_started = time.time()
	conversations_before = floor.conversations()
	flood_seconds = 0.0
	for _round in range(args.rounds):
		for current in ("unloaded", "flooded"):
			phase[0], phase_began[0] = current, time.perf_counter()
			stop_flood = threading.Event()
			threads = []
			if current == "flooded":
				# Two senders an address, so that a slow answer does not hold its address's pace back.
				threads = [
					threading.Thread(target=paced, args=(rate / 2, stop_flood, call))
					for call, rate in flooders
					for _ in range(2)
				]
				for thread in threads:
					thread.start()
			began = time.perf_counter()
			while time.perf_counter() - began < args.seconds:
				if current == "flooded":
					queues.look()
					for name, length in queues.lengths().items():
						most[name] = max(most[name], length)
				time.sleep(0.2)
			stop_flood.set()
			for thread in threads:
				thread.join()
			if current == "flooded":
				flood_seconds += time.perf_counter() - began
	stop_all.set()
	for thread in steady:
		thread.join()
	opened = floor.conversations() - conversations_before
	time.sleep(10)  # the worker finishes what the floods left
	queues.ran_since(flood_started)
	after = queues.lengths()
	retries_after = floor.retries()

	print(
		f"floods on {args.site} (gunicorn, {args.web_workers} workers, one RQ worker): {args.rounds} rounds of"
	)
	print(f"{args.seconds:.0f} s unloaded and {args.seconds:.0f} s flooded; limits scaled by {args.scale}:")
	from iqchannels.records.rate_limit import burst

	at_once = [burst(max(1, int(limit))) for limit in (inbound_limit, send_limit, visitor_limit)]
	print(
		f"  inbound API {inbound_limit:.0f} a minute an address ({at_once[0]} at once); web chat send "
		f"{send_limit:.0f} a minute an address ({at_once[1]} at once), {visitor_limit:.0f} a visitor "
		f"({at_once[2]} at once)"
	)
	flooded_total = sum(flood_answers.values())
	print(
		f"flood: {args.addresses} addresses at {10 * inbound_limit / 60:.1f}/s on the inbound API and "
		f"{args.addresses} at {10 * send_limit / 60:.1f}/s on the web chat; {flooded_total} requests, "
		f"{flooded_total / flood_seconds:.0f}/s achieved"
	)
	print(f"one refused call (429) on an idle server: median {refusal:.1f} ms; Frappe's ping: {ping:.1f} ms")
	print(
		f"well-behaved latency (HTTP round trip), the partner {partner_rate:.2f} messages a second, "
		f"{VISITORS} visitors' addresses {visitor_rate:.2f} a second between them:"
	)
	for kind, label in (("partner", "partner's signed message"), ("visitor", "visitors' web chat sends")):
		quiet, loud = latencies[(kind, "unloaded")], latencies[(kind, "flooded")]
		if not quiet or not loud:
			print(f"  {label:<26} too few answers: {dict(well_behaved_answers)}")
			continue
		p50q, p95q, p50l, p95l = (
			percentile(quiet, 0.5),
			percentile(quiet, 0.95),
			percentile(loud, 0.5),
			percentile(loud, 0.95),
		)
		print(
			f"  {label:<26} unloaded p50 {p50q:6.1f} ms p95 {p95q:6.1f} ms (n={len(quiet)})   "
			f"flooded p50 {p50l:6.1f} ms p95 {p95l:6.1f} ms (n={len(loud)})   p95 ratio {p95l / p95q:4.2f}"
		)
		if settled[kind]:
			p95s = percentile(settled[kind], 0.95)
			print(
				f"  {'':<26} flooded after its first {SETTLE} s: p50 {percentile(settled[kind], 0.5):6.1f} ms "
				f"p95 {p95s:6.1f} ms (n={len(settled[kind])})   p95 ratio {p95s / p95q:4.2f}"
			)
	print(f"well-behaved answers by status: {dict(sorted(well_behaved_answers.items()))}")
	print(f"flood answers by status: {dict(sorted(flood_answers.items()))}")
	fives = sum(n for (_kind, status), n in flood_answers.items() if status >= 500 or status == 0)
	print(f"  5xx or no answer: {fives}")
	print(
		f"RQ queues (the bench's, shared by its sites): before {before}, during at most {most}, after {after}"
	)
	lines = {line for line in queues.runs.values()}
	print(
		f"distribution runs enqueued during the floods: {len(queues.runs)} for {len(lines)} line(s), "
		f"{opened} conversations opened; at most {queues.most_waiting_of_a_line} run of a line waiting at once"
	)
	print(
		f"replies waiting for a delivery retry: {retries_before[0]} before, {retries_after[0]} after; the most "
		f"attempts of one: {retries_after[1]} (a reply fails for good after {len(retry_minutes) + 1})"
	)


if __name__ == "__main__":
	main()
