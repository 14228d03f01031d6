"""Opening a client's history with calls in the workspace, on a real site: a client with 1,000 calls and
2,000 messages (20 conversations), among other clients' calls, timed through the operator's API as the
workspace calls it.

Writes, straight into the tables, one line with one operator, the client with --messages messages over
--conversations conversations and --calls calls (inbound and outbound, answered and missed, some with a
recording) spread over the last 60 days, and --noise calls of other clients. Then times, as the operator,
opening the client's latest conversation (its details with the client's card, then the latest page of the
history: messages with their calls and ticket events) and loading an older page: median and 95th
percentile of --repeat runs, budget 300 ms. Everything it writes is deleted at the end.

	cd ~/frappe-bench/sites && ../env/bin/python /path/to/iqchannels/benchmarks/client_history.py --site SITE [--calls 1000 --messages 2000]
"""

import argparse
import random
import statistics
import time
from datetime import timedelta

import frappe
from bulk_rows import insert, remove_floor, write_floor
from frappe.utils import now_datetime

BUDGET_MS = 300
DAYS = 60


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--calls", type=int, default=1000)
	parser.add_argument("--messages", type=int, default=2000)
	parser.add_argument("--conversations", type=int, default=20)
	parser.add_argument("--noise", type=int, default=20_000, help="calls of other clients")
	parser.add_argument("--repeat", type=int, default=30)
	args = parser.parse_args()
	frappe.init(site=args.site)
	frappe.connect()
	frappe.set_user("Administrator")
	prefix = f"chist-{frappe.generate_hash(length=6)}"
	try:
		started = time.perf_counter()
		floor = write(prefix, args)
		frappe.db.commit()
		print(
			f"wrote {args.calls} calls and {args.messages} messages of one client, {args.noise} other calls,"
			f" in {time.perf_counter() - started:.1f} s"
		)
		measure(floor, args.repeat)
	finally:
		cleanup(prefix)
		frappe.db.commit()
		frappe.destroy()


def write(prefix: str, args) -> dict:
	rng = random.Random(16)
	now = now_datetime()
	channel, phone = f"{prefix}-chat", f"{prefix}-phone"
	user, line = write_floor(prefix, {channel: "API", phone: "Phone"})
	clients = insert(
		"IQC Client",
		["full_name", "phone", "client_type"],
		[(f"{prefix}-client {i}", f"+7495{i:07}", "Identified") for i in range(101)],
	)
	client = str(clients)
	start = now - timedelta(days=DAYS)
	span = DAYS * 24 * 3600
	per = args.messages // args.conversations
	first = insert(
		"IQC Conversation",
		["client", "client_name", "channel", "line", "status", "operator", "opened_at", "last_message_at"],
		[
			(
				client,
				"Bench client",
				channel,
				line,
				"Open" if i == args.conversations - 1 else "Closed",
				user,
				start + timedelta(seconds=span * i // args.conversations),
				start + timedelta(seconds=span * (i + 1) // args.conversations - 1),
			)
			for i in range(args.conversations)
		],
	)
	insert(
		"IQC Message",
		[
			"conversation",
			"client",
			"channel",
			"author_type",
			"author",
			"kind",
			"text",
			"delivery_status",
			"sent_at",
		],
		(
			(
				str(first + i // per),
				client,
				channel,
				"Client" if i % 2 == 0 else "Operator",
				None if i % 2 == 0 else user,
				"Text",
				f"Message {i}",
				"Sent",
				start + timedelta(seconds=span * i // args.messages),
			)
			for i in range(args.messages)
		),
	)
	insert(
		"IQC Call",
		[
			"direction",
			"state",
			"client",
			"client_name",
			"phone",
			"channel",
			"line",
			"operator",
			"pbx_call_id",
			"started_at",
			"answered_at",
			"ended_at",
			"talk_seconds",
			"recording_id",
		],
		(
			call_row(
				rng,
				i,
				client if i < args.calls else str(clients + 1 + i % 100),
				phone,
				line,
				user,
				start,
				span,
			)
			for i in range(args.calls + args.noise)
		),
	)
	return {"user": user, "conversation": first + args.conversations - 1}


def call_row(rng, i: int, client: str, phone: str, line: str, user: str, start, span: int) -> tuple:
	started = start + timedelta(seconds=rng.randint(0, span))
	answered = rng.random() < 0.8
	talk = rng.randint(20, 600) if answered else 0
	return (
		rng.choice(("Inbound", "Inbound", "Outbound")),
		"Answered" if answered else "Missed",
		client,
		"Bench client",
		"+74950000000",
		phone,
		line,
		user if answered else None,
		f"bench-{i}",
		started,
		started + timedelta(seconds=5) if answered else None,
		started + timedelta(seconds=5 + talk),
		talk,
		f"rec-{i}" if answered and i % 3 == 0 else None,
	)


def measure(floor: dict, repeat: int) -> None:
	from iqchannels.api import operator

	frappe.set_user(floor["user"])
	conversation = floor["conversation"]

	def open_client():
		details = operator.conversation(conversation)
		page = operator.messages(conversation)
		return details, page

	def older_page():
		page = operator.messages(conversation)
		first = next(row for row in page["messages"] if row.get("kind") not in ("call", "ticket-event"))
		return operator.messages(conversation, before=first.name)

	print(f"{repeat} runs each, budget {BUDGET_MS} ms:")
	for label, fn, note in [
		(
			"open the client (details, card, latest page)",
			open_client,
			lambda r: (
				f"{len(r[1]['messages'])} rows, {calls_in(r[1])} calls; card: {r[0]['client']['call_count']} calls"
			),
		),
		(
			"latest and then an older page",
			older_page,
			lambda r: f"{len(r['messages'])} rows, {calls_in(r)} calls",
		),
	]:
		times, result = [], None
		for _ in range(repeat):
			frappe.local.cache = {}  # nothing remembered from the run before
			began = time.perf_counter()
			result = fn()
			times.append((time.perf_counter() - began) * 1000)
		times.sort()
		median, p95 = statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]
		verdict = "ok" if p95 <= BUDGET_MS else f"over the {BUDGET_MS} ms budget"
		print(f"  {label:<46} median {median:7.1f} ms   p95 {p95:7.1f} ms   {verdict}   ({note(result)})")
	frappe.set_user("Administrator")


def calls_in(page: dict) -> int:
	return sum(1 for row in page["messages"] if row.get("kind") == "call")


def cleanup(prefix: str) -> None:
	line = f"{prefix}-line"
	frappe.db.sql("delete from `tabIQC Call` where line=%s", line)
	frappe.db.sql("delete from `tabIQC Message` where channel=%s", f"{prefix}-chat")
	frappe.db.sql("delete from `tabIQC Conversation` where line=%s", line)
	frappe.db.sql("delete from `tabIQC Client` where full_name like %s", f"{prefix}-client%")
	remove_floor(prefix, [f"{prefix}-chat", f"{prefix}-phone"])


if __name__ == "__main__":
	main()
