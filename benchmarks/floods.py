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

The callers run in processes of their own (`flood_callers.py`): the well-behaved ones in one, each
flooding address in another at a lower CPU priority, as if it were sent from elsewhere.

Rounds of an unloaded and a flooded phase alternate (--rounds, --seconds each), after a warm-up that is
not counted. In both, the partner posts a signed message of one of its customers a second and the
visitor's tab sends one message a second (both well under their limits), each at a random moment of its
second, as the flood's calls are. In a flooded phase, each of --addresses addresses posts signed messages of new
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
import math
import multiprocessing
import os
import queue
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import frappe
from frappe.installer import update_site_config
from frappe.utils.background_jobs import get_queue
from rq.job import Job

sys.path.insert(0, str(Path(__file__).parent))
from bulk_rows import remove_floor, write_floor  # noqa: E402
from flood_callers import SEND, Site, flooder, well_behaved  # noqa: E402
from site_processes import rq_worker, web_server  # noqa: E402

PARTNER, FIRST_VISITOR, VISITORS, FIRST_FLOOD = "127.0.0.2", 3, 5, 10
QUEUES = ("short", "default", "long")
SETTLE = 5  # seconds: a flood's first, when each address spends its burst allowance
# Seconds of the well-behaved calls before the first phase, not counted: every web worker has then
# answered both kinds once, and an unloaded phase is not slowed by the workers' first requests.
WARM_UP = 10
DEAD_WEBHOOK = "http://127.0.0.1:9/replies"  # nothing listens: every reply to the partner is retried


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


def drained(calls) -> list:
	got = []
	while True:
		try:
			got.append(calls.get_nowait())
		except queue.Empty:
			return got


def sort_calls(timed: list, phases: list) -> tuple[dict, dict, Counter]:
	"""The well-behaved calls' round trips by caller and phase (and, flooded, those that began after the
	phase's first SETTLE seconds), and their answers by status."""
	latencies = {(kind, phase): [] for kind in ("partner", "visitor") for phase in ("unloaded", "flooded")}
	settled, answers = {"partner": [], "visitor": []}, Counter()
	for kind, began, seconds, status in timed:
		answers[(kind, status)] += 1
		phase = next(((name, start) for name, start, end in phases if start <= began < end), None)
		if status >= 300 or phase is None:
			continue
		latencies[(kind, phase[0])].append(seconds)
		if phase[0] == "flooded" and began - phase[1] >= SETTLE:
			settled[kind].append(seconds)
	return latencies, settled, answers


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
	# As `bench setup production` sizes gunicorn: twice the CPUs, and one.
	parser.add_argument("--web-workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
	parser.add_argument("--scale", type=float, default=0.1, help="the site's limits are multiplied by it")
	parser.add_argument("--addresses", type=int, default=4, help="flooding addresses per endpoint")
	parser.add_argument("--rounds", type=int, default=4)
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
	# At most half of each limit: the partner one message a second, the visitors one between them, each
	# visitor's address and each visitor well under its limits.
	partner_rate = min(1.0, inbound_limit / 120)
	visitor_rate = min(1.0, VISITORS * send_limit / 120)
	tokens = max(1, math.ceil(visitor_rate / VISITORS * 60 / (visitor_limit / 2)))
	visitors = [(f"127.0.0.{FIRST_VISITOR + n}", floor.tokens(tokens)) for n in range(VISITORS)]
	refusal, ping = refusal_cost(args)
	shared = {"secret": floor.secret, "api": floor.api, "chat": floor.chat, "prefix": floor.prefix}

	# Forked before any thread of this process starts; the callers never touch the site's connections.
	fork = multiprocessing.get_context("fork")
	flooding, done, calls, answers = fork.Event(), fork.Event(), fork.Queue(), fork.Queue()
	callers = [
		fork.Process(
			target=well_behaved,
			args=(args.port, args.site, shared, PARTNER, partner_rate, visitors, visitor_rate, done, calls),
		)
	]
	for n in range(args.addresses):
		for kind, address, rate, chat_tokens in (
			("inbound API", FIRST_FLOOD + n, 10 * inbound_limit / 60, []),
			("web chat", FIRST_FLOOD + args.addresses + n, 10 * send_limit / 60, floor.tokens(50)),
		):
			callers.append(
				fork.Process(
					target=flooder,
					args=(args.port, args.site, shared, kind, f"127.0.0.{address}", rate, chat_tokens)
					+ (flooding, done, answers),
				)
			)

	before = queues.lengths()
	retries_before = floor.retries()
	conversations_before = floor.conversations()
	most = dict.fromkeys(QUEUES, 0)
	phases, timed = [], []  # (phase, wall-clock start, end); the well-behaved calls
	flood_started = time.time()
	for process in callers:
		process.start()
	time.sleep(WARM_UP)
	drained(calls)
	for _round in range(args.rounds):
		for current in ("unloaded", "flooded"):
			began = time.time()
			if current == "flooded":
				flooding.set()
			while time.time() - began < args.seconds:
				if current == "flooded":
					queues.look()
					for name, length in queues.lengths().items():
						most[name] = max(most[name], length)
				timed += drained(calls)
				time.sleep(0.2)
			flooding.clear()
			phases.append((current, began, time.time()))
	done.set()
	flood_answers = Counter()
	for _flooder in callers[1:]:
		kind, counts = answers.get(timeout=120)
		for status, n in counts.items():
			flood_answers[(kind, status)] += n
	while any(process.is_alive() for process in callers):
		timed += drained(calls)  # a process ends once what it put on the queue is read
		time.sleep(0.1)
	timed += drained(calls)
	flood_seconds = sum(end - began for phase, began, end in phases if phase == "flooded")
	latencies, settled, well_behaved_answers = sort_calls(timed, phases)
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
