"""The reports and the monitor on a big floor, on a real site.

Writes, straight into the tables, N conversations over the last 30 days (and `--messages` messages each),
200 operators' status changes over those days and, for the monitor, that many operators online with
their conversations in progress; then times each report over the whole period and the monitor's data.
Everything it writes is deleted at the end.

	cd ~/frappe-bench/sites && ../env/bin/python /path/to/iqchannels/benchmarks/reports_scale.py --site SITE
"""

import argparse
import random
import statistics
import time
from datetime import timedelta

import frappe
from bulk_rows import insert
from frappe.utils import add_days, now_datetime, today

REPORTS = [
	"iqc_conversations_summary",
	"iqc_operator_performance",
	"iqc_queue_and_waiting",
	"iqc_operator_status_time",
	"iqc_sla",
]
DAYS = 30
STATUSES = ("Active", "Away", "Break", "Offline")


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--conversations", type=int, default=100_000)
	parser.add_argument("--messages", type=int, default=10, help="messages per conversation")
	parser.add_argument("--operators", type=int, default=200)
	parser.add_argument("--repeat", type=int, default=3)
	args = parser.parse_args()

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	prefix = f"bench-{frappe.generate_hash(length=6)}"
	try:
		started = time.perf_counter()
		operators = write_floor(prefix, args.conversations, args.messages, args.operators)
		print(
			f"{args.conversations:,} conversations, {args.conversations * args.messages:,} messages, "
			f"{len(operators)} operators written in {time.perf_counter() - started:.0f} s (not counted)"
		)
		measure(prefix, args.repeat)
	finally:
		frappe.db.rollback()
		cleanup(prefix)
		frappe.destroy()


def write_floor(prefix: str, conversations: int, messages: int, operators: int) -> list[str]:
	line, channel = f"{prefix}-line", f"{prefix}-channel"
	frappe.db.sql(
		"insert into `tabIQC Line` (name, line_name, mode, enabled, first_response_target_minutes) values (%s, %s, 'Automatic', 1, 5)",
		(line, line),
	)
	frappe.db.sql(
		"insert into `tabIQC Channel` (name, channel_name, channel_type, enabled, default_line) values (%s, %s, 'API', 1, %s)",
		(channel, channel, line),
	)
	users = [f"{prefix}-op{i}@bench.test" for i in range(operators)]
	now = now_datetime()
	start = now - timedelta(days=DAYS)
	rows = [
		(
			u,
			u,
			random.choice(("Active", "Active", "Away")),
			now - timedelta(minutes=random.randint(1, 300)),
			10,
			now,
		)
		for u in users
	]
	insert("IQC Operator", ["name", "user", "status", "status_since", "slots", "last_seen_at"], rows)
	insert(
		"IQC Line Member",
		["name", "parent", "parenttype", "parentfield", "operator"],
		[(f"{prefix}-m{i}", line, "IQC Line", "members", u) for i, u in enumerate(users)],
	)
	# Each operator changes status 8 times a day.
	logs = []
	for user in users:
		status, moment = "Offline", start
		while moment < now:
			moment += timedelta(hours=3, minutes=random.randint(-30, 30))
			new = random.choice([s for s in STATUSES if s != status])
			logs.append((user, status, new, moment))
			status = new
	insert("IQC Operator Status Log", ["operator", "from_status", "to_status", "changed_at"], logs)

	client = insert("IQC Client", ["full_name", "client_type"], [(f"{prefix}-client", "Channel")])
	results = ["Resolved", "Resolved", "Resolved", "Not resolved", "Client silent"]
	fields = [
		"client", "client_name", "channel", "line", "status", "operator", "opened_at", "queued_at",
		"assigned_at", "first_response_at", "closed_at", "result", "csat_rating", "spam",
	]  # fmt: skip
	rows = []
	for i in range(conversations):
		opened = start + timedelta(seconds=random.randint(0, DAYS * 86400 - 7200))
		in_progress = i < operators * 3  # the floor right now: three per operator, a third still queued
		if in_progress:
			opened = now - timedelta(minutes=random.randint(1, 120))
		wait = timedelta(seconds=random.randint(0, 900))
		answered = opened + wait + timedelta(seconds=random.randint(5, 300))
		queued = in_progress and i % 3 == 0
		rows.append(
			(
				client, f"{prefix}-client", channel, line,
				"Queued" if queued else ("Open" if in_progress else "Closed"),
				None if queued else users[i % len(users)],
				opened, opened,
				None if queued else opened + wait,
				None if queued else answered,
				None if in_progress else answered + timedelta(minutes=random.randint(1, 60)),
				None if in_progress else random.choice(results),
				random.choice((0, 0, 3, 4, 5)) if not in_progress else 0,
				0,
			)
		)  # fmt: skip
	first = insert("IQC Conversation", fields, rows)
	authors = ("Client", "Operator")
	message_rows = (
		(first + c, client, channel, authors[m % 2], "Text", f"Message {m}", "Read", start)
		for c in range(conversations)
		for m in range(messages)
	)
	insert(
		"IQC Message",
		["conversation", "client", "channel", "author_type", "kind", "text", "delivery_status", "sent_at"],
		message_rows,
	)
	frappe.db.commit()
	return users


def measure(prefix: str, repeat: int) -> None:
	from iqchannels.views.monitor import floor

	filters = {"from_date": add_days(today(), -DAYS), "to_date": today()}
	print(f"each over the last {DAYS} days, median of {repeat} runs:")
	for name in REPORTS:
		module = frappe.get_module(f"iqchannels.iqchannels.report.{name}.{name}")
		times = []
		for _ in range(repeat):
			started = time.perf_counter()
			result = module.execute(filters)
			times.append(time.perf_counter() - started)
		print(f"  {name:<28} {statistics.median(times) * 1000:8.0f} ms   ({len(result[1])} rows)")
	times = []
	for _ in range(repeat * 3):
		started = time.perf_counter()
		data = floor()
		times.append(time.perf_counter() - started)
	print(
		f"  {'monitor data':<28} {statistics.median(times) * 1000:8.0f} ms   "
		f"({len(data['operators'])} operators, {len(data['conversations'])} conversations in progress)"
	)


def cleanup(prefix: str) -> None:
	channel, line = f"{prefix}-channel", f"{prefix}-line"
	frappe.db.sql("delete from `tabIQC Message` where channel=%s", channel)
	frappe.db.sql("delete from `tabIQC Conversation` where channel=%s", channel)
	frappe.db.sql("delete from `tabIQC Operator Status Log` where operator like %s", f"{prefix}-%")
	frappe.db.sql("delete from `tabIQC Operator` where name like %s", f"{prefix}-%")
	frappe.db.sql("delete from `tabIQC Line Member` where parent=%s", line)
	frappe.db.sql("delete from `tabIQC Client` where full_name=%s", f"{prefix}-client")
	frappe.db.sql("delete from `tabIQC Channel` where name=%s", channel)
	frappe.db.sql("delete from `tabIQC Line` where name=%s", line)
	frappe.db.commit()


if __name__ == "__main__":
	main()
