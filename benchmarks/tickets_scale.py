"""Tickets at scale, on a real site: the tickets report, the Tickets view and a client's tickets.

Writes, straight into the tables, N tickets opened over the last 30 days for N/20 clients (one client,
the busiest, has 1 % of them), three events each, on 20 lines of 5 operators (the first line has a
fifth of all tickets); then times, in this process, the IQC Tickets report over the 30 days (by type,
line and assignee, for a supervisor and for an operator; target 1 s), the first page of the Tickets
view of an operator of the busiest line (`iqchannels.api.tickets.tickets`, views mine and lines) and
the busiest client's tickets (`client_tickets`) (target 100 ms each), and the monitor's overdue
tickets. Everything it writes is deleted at the end.

	cd ~/frappe-bench/sites && ../env/bin/python /path/to/iqchannels/benchmarks/tickets_scale.py --site SITE [--tickets 100000]
"""

import argparse
import importlib.util
import random
import time
from datetime import timedelta

import frappe
from bulk_rows import insert, timed
from frappe.utils import add_days, now_datetime, today

DAYS = 30
LINES = 20
OPERATORS_PER_LINE = 5
# Type: hours to resolve a Medium ticket.
TYPES = {"Question": 24, "Incident": 8, "Request": 72}
PRIORITY_SHARE = {"Urgent": 0.25, "High": 0.5, "Medium": 1.0, "Low": 2.0}
ACTIVE = ("Open", "In Progress", "Waiting for Client", "Postponed")
REPORT = "iqchannels.iqchannels.report.iqc_tickets.iqc_tickets"
TARGETS_MS = {"report": 1000, "view": 100}


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--tickets", type=int, default=100_000)
	parser.add_argument("--clients", type=int, help="default: one for every 20 tickets")
	parser.add_argument("--repeat", type=int, default=5)
	args = parser.parse_args()

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	prefix = f"bench-{frappe.generate_hash(length=6)}"
	clients = args.clients or max(args.tickets // 20, 1)
	try:
		started = time.perf_counter()
		floor = write_tickets(prefix, args.tickets, clients)
		print(
			f"{args.tickets:,} tickets, {3 * args.tickets:,} ticket events, {clients:,} clients written in "
			f"{time.perf_counter() - started:.0f} s (not counted)"
		)
		measure(floor, args.repeat)
	finally:
		frappe.set_user("Administrator")
		frappe.db.rollback()
		cleanup(prefix)
		frappe.destroy()


def write_tickets(prefix: str, tickets: int, clients: int) -> dict:
	frappe.db.sql("select 1")  # opens the connection: the batches use its cursor
	now = now_datetime()
	start = now - timedelta(days=DAYS)
	lines = [f"{prefix}-line{i}" for i in range(LINES)]
	insert(
		"IQC Line",
		["name", "line_name", "mode", "enabled"],
		[(line, line, "Automatic", 1) for line in lines],
	)
	channel = f"{prefix}-channel"
	insert(
		"IQC Channel",
		["name", "channel_name", "channel_type", "enabled", "default_line"],
		[(channel, channel, "API", 1, lines[0])],
	)
	types = {f"{prefix}-{name}": hours for name, hours in TYPES.items()}
	insert(
		"IQC Ticket Type",
		["name", "type_name", "enabled", "resolution_hours"],
		[(name, name, 1, hours) for name, hours in types.items()],
	)
	members = {
		line: [f"{prefix}-l{i}-op{j}@bench.test" for j in range(OPERATORS_PER_LINE)]
		for i, line in enumerate(lines)
	}
	users = [user for line_users in members.values() for user in line_users]
	# Users, with the operator role, so that the measured operator reads as one.
	insert(
		"User",
		["name", "email", "first_name", "full_name", "enabled", "user_type"],
		[(u, u, u.split("@")[0], u.split("@")[0], 1, "System User") for u in users],
	)
	insert(
		"Has Role",
		["name", "parent", "parenttype", "parentfield", "role"],
		[(f"{prefix}-r{i}", u, "User", "roles", "IQC Operator") for i, u in enumerate(users)],
	)
	insert(
		"IQC Operator",
		["name", "user", "status", "status_since", "slots", "last_seen_at"],
		[(u, u, "Active", now, 5, now) for u in users],
	)
	insert(
		"IQC Line Member",
		["name", "parent", "parenttype", "parentfield", "operator"],
		[
			(f"{prefix}-m{i}", line, "IQC Line", "members", u)
			for i, (line, u) in enumerate(member_rows(members))
		],
	)
	first_client = insert(
		"IQC Client",
		["full_name", "client_type"],
		((f"{prefix}-client{i}", "Channel") for i in range(clients)),
	)
	client_ids = range(first_client, first_client + clients)
	busiest_client = first_client

	# The busiest line has a fifth of the tickets; the busiest client 1 %.
	line_weights = [(LINES - 1) / 4] + [1] * (LINES - 1)
	ticket_fields = [
		"modified", "creation", "subject", "status", "priority", "ticket_type", "client", "client_name",
		"line", "assignee", "channel", "opened_at", "due_by", "resolved_at", "closed_at", "postponed_until",
	]  # fmt: skip
	rows, events = [], []
	for i in range(tickets):
		opened = start + timedelta(seconds=random.randint(0, DAYS * 86400 - 60))
		line = random.choices(lines, line_weights)[0]
		assignee = random.choice(members[line]) if random.random() < 0.9 else None
		client = busiest_client if random.random() < 0.01 else random.choice(client_ids)
		kind = random.choice(list(types))
		priority = random.choice(("Low", "Medium", "Medium", "High", "Urgent"))
		due = opened + timedelta(hours=types[kind] * PRIORITY_SHARE[priority])
		age = now - opened
		done = random.random() < (0.85 if age > timedelta(days=3) else 0.3)
		resolved = closed = postponed = None
		if done:
			took = timedelta(hours=random.uniform(0.2, 120))
			resolved = min(opened + took, now - timedelta(minutes=1))
			status = random.choice(("Resolved", "Closed"))
			closed = min(resolved + timedelta(days=1), now) if status == "Closed" else None
			last = closed or resolved
		else:
			status = random.choice(ACTIVE)
			postponed = now + timedelta(days=2) if status == "Postponed" else None
			last = opened + min(age, timedelta(minutes=random.randint(5, 600)))
		rows.append(
			(
				last, opened, f"{prefix} ticket {i}", status, priority, kind, client, f"{prefix}-client",
				line, assignee, channel, opened, due, resolved, closed, postponed,
			)
		)  # fmt: skip
		events.append((opened, "Created", "Open", None))
		events.append((opened + timedelta(minutes=5), "Assigned", "Open", assignee))
		events.append((last, "Resolved" if done else "Status Changed", status, assignee))
	first_ticket = insert("IQC Ticket", ticket_fields, rows, stamped=False)
	insert(
		"IQC Ticket Event",
		["ticket", "client", "at", "event", "status", "user"],
		((first_ticket + n // 3, rows[n // 3][6], *event) for n, event in enumerate(events)),
	)
	operator = members[lines[0]][0]
	# The operator has talked with the busiest client, so they may read the client's tickets.
	insert(
		"IQC Conversation",
		["client", "client_name", "channel", "line", "status", "operator", "opened_at", "assigned_at"],
		[(busiest_client, f"{prefix}-client", channel, lines[0], "Open", operator, now, now)],
	)
	frappe.db.commit()
	frappe.clear_cache(user=operator)
	return {"operator": operator, "client": busiest_client}


def member_rows(members: dict):
	for line, users in members.items():
		for user in users:
			yield line, user


def show(label: str, ms: float, target: str, note: str) -> None:
	verdict = "ok" if ms <= TARGETS_MS[target] else f"over the {TARGETS_MS[target]} ms target"
	print(f"  {label:<44} {ms:8.1f} ms   {verdict}   ({note})")


def measure(floor: dict, repeat: int) -> None:
	report = frappe.get_module(REPORT)
	period = {"from_date": add_days(today(), -DAYS), "to_date": today()}
	print(f"median of {repeat} runs, in this process:")
	for user, who in (("Administrator", "supervisor"), (floor["operator"], "operator")):
		frappe.set_user(user)
		for group_by in ("Type", "Line", "Assignee"):
			ms, result = timed(lambda g=group_by: report.execute({**period, "group_by": g}), repeat)
			total = result[1][-1] if result[1] else {"opened": 0}
			show(
				f"IQC Tickets, {DAYS} days, by {group_by.lower()}, {who}",
				ms,
				"report",
				f"{total['opened']:,} tickets",
			)

	frappe.set_user(floor["operator"])
	if importlib.util.find_spec("iqchannels.api.tickets") is None:
		print("  iqchannels/api/tickets.py does not exist yet: the Tickets view is not timed")
	else:
		from iqchannels.api import tickets as api

		for view in ("mine", "lines"):
			ms, result = timed(lambda v=view: api.tickets(view=v), repeat)
			show(
				f"Tickets view, first page, {view}",
				ms,
				"view",
				f"{len(result['tickets'])} rows of {result['counters'][view]:,} active",
			)
		ms, result = timed(lambda: api.client_tickets(floor["client"]), repeat)
		show(
			"client_tickets of the busiest client",
			ms,
			"view",
			f"{len(result['open'])} open, {len(result['recent_done'])} recently done",
		)

	frappe.set_user("Administrator")
	from iqchannels.views.monitor import overdue_tickets

	ms, result = timed(lambda: overdue_tickets(now_datetime()), repeat)
	show("monitor: overdue tickets", ms, "view", f"{result['count']:,} overdue")


def cleanup(prefix: str) -> None:
	lines = [f"{prefix}-line{i}" for i in range(LINES)]
	users = f"{prefix}-%@bench.test"
	frappe.db.sql(
		"""delete event from `tabIQC Ticket Event` event
		join `tabIQC Ticket` ticket on ticket.name = event.ticket where ticket.line in %s""",
		(lines,),
	)
	frappe.db.sql("delete from `tabIQC Ticket` where line in %s", (lines,))
	frappe.db.sql("delete from `tabIQC Conversation` where channel=%s", f"{prefix}-channel")
	frappe.db.sql("delete from `tabIQC Client` where full_name like %s", f"{prefix}-client%")
	frappe.db.sql("delete from `tabIQC Line Member` where parent in %s", (lines,))
	frappe.db.sql("delete from `tabIQC Operator` where name like %s", users)
	frappe.db.sql("delete from `tabHas Role` where parent like %s", users)
	frappe.db.sql("delete from `tabUser` where name like %s", users)
	frappe.db.sql("delete from `tabIQC Ticket Type` where name like %s", f"{prefix}-%")
	frappe.db.sql("delete from `tabIQC Channel` where name=%s", f"{prefix}-channel")
	frappe.db.sql("delete from `tabIQC Line` where name in %s", (lines,))
	frappe.db.commit()


if __name__ == "__main__":
	main()
