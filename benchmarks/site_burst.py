"""A burst on a real site: IQChannels' distribution against Frappe's own Assignment Rule.

Creates N Active operators (slots 10) in one line and lets M clients write at once; then measures the
time until every conversation is assigned by `iqchannels.flows.distribution`, and, in the same run, the time
Frappe's Assignment Rule (Load Balancing over the same users) takes to assign M other conversations.
Prints both per assignment, their ratio, and the highest load against slots. Everything it creates is
deleted at the end.

Run with the bench's Python from the bench's sites folder:

	cd ~/frappe-bench/sites && ../env/bin/python /path/to/iqchannels/benchmarks/site_burst.py --site SITE
"""

import argparse
import time

import frappe

SLOTS = 10


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--operators", type=int, default=200)
	parser.add_argument("--conversations", type=int, default=1000)
	parser.add_argument(
		"--without-rule",
		action="store_true",
		help="skip Frappe's Assignment Rule (at 10,000 conversations it would take the better part of an hour)",
	)
	args = parser.parse_args()

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	prefix = f"bench-{frappe.generate_hash(length=6)}"
	try:
		run(prefix, args.operators, args.conversations, not args.without_rule)
	finally:
		frappe.db.rollback()
		cleanup(prefix)
		frappe.destroy()


def run(prefix: str, operators: int, conversations: int, with_rule: bool = True):
	from iqchannels.flows import distribution

	users = make_floor(prefix, operators)
	auto_line, auto_channel = make_line(prefix, "auto", users, "Automatic")
	manual_line, manual_channel = make_line(prefix, "manual", users, "Manual")
	frappe.db.commit()
	print(f"{operators} Active operators with {SLOTS} slots, bursts of {conversations} conversations")

	started = time.perf_counter()
	write_burst(prefix, auto_channel, conversations)
	opened = time.perf_counter() - started
	print(
		f"clients writing (not counted below): {opened:.1f} s, {opened / conversations * 1e3:.1f} ms per conversation"
	)

	started = time.perf_counter()
	while distribution.distribute_line(auto_line):
		frappe.db.commit()
	frappe.db.commit()
	ours = time.perf_counter() - started
	loads = frappe.db.sql(
		"""select operator, count(*) from `tabIQC Conversation` where line=%s and status='Open' group by operator""",
		auto_line,
	)
	assigned = sum(count for _, count in loads)
	highest = max((count for _, count in loads), default=0)
	per_ours = ours / max(assigned, 1) * 1e3
	print(
		f"iqchannels distribution: {assigned} assigned in {ours:.2f} s, {per_ours:.2f} ms per assignment, "
		f"highest load {highest}/{SLOTS}"
	)

	print(f"{1e3 / per_ours:,.0f} assignments a second")
	if with_rule:
		per_theirs = assignment_rule_run(prefix, manual_line, manual_channel, users, conversations)
		print(f"ratio: iqchannels is {per_theirs / per_ours:.1f} times faster per assignment")
	if assigned != conversations or highest > SLOTS:
		raise SystemExit("distribution left conversations unassigned or went over slots")


def assignment_rule_run(
	prefix: str, manual_line: str, manual_channel, users: list[str], conversations: int
) -> float:
	"""Frappe's Assignment Rule (Load Balancing over the same users) on a burst of its own; ms per assignment."""
	from frappe.automation.doctype.assignment_rule.assignment_rule import apply

	write_burst(prefix + "-ar", manual_channel, conversations)
	rule = frappe.get_doc(
		{
			"doctype": "Assignment Rule",
			"name": prefix,
			"document_type": "IQC Conversation",
			"priority": 1,
			"rule": "Load Balancing",
			"assignment_days": [
				{"day": day}
				for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
			],
			"assign_condition": f"line == '{manual_line}'",
			"users": [{"user": user} for user in users],
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	names = frappe.get_all("IQC Conversation", filters={"line": manual_line}, pluck="name")
	started = time.perf_counter()
	for name in names:
		apply(frappe.get_doc("IQC Conversation", name))
		frappe.db.commit()
	theirs = time.perf_counter() - started
	todos = frappe.db.sql(
		"""select allocated_to, count(*) from `tabToDo` where reference_type='IQC Conversation'
		and reference_name in %s and status='Open' group by allocated_to""",
		[[str(n) for n in names]],
	)
	ar_assigned = sum(count for _, count in todos)
	ar_highest = max((count for _, count in todos), default=0)
	frappe.delete_doc("Assignment Rule", rule.name, force=True, ignore_permissions=True)

	per_theirs = theirs / max(ar_assigned, 1) * 1e3
	print(
		f"Frappe Assignment Rule:  {ar_assigned} assigned in {theirs:.2f} s, {per_theirs:.2f} ms per assignment, "
		f"highest load {ar_highest} (no slots)"
	)
	return per_theirs


def make_floor(prefix: str, count: int) -> list[str]:
	users = []
	frappe.flags.in_import = True  # bulk user creation, as Data Import does it
	for i in range(count):
		email = f"{prefix}-op{i}@iqc.bench"
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": f"Op{i}",
				"enabled": 1,
				"send_welcome_email": 0,
				"roles": [{"role": "IQC Operator"}],
			}
		).insert(ignore_permissions=True)
		frappe.get_doc({"doctype": "IQC Operator", "user": email, "status": "Active", "slots": SLOTS}).insert(
			ignore_permissions=True
		)
		users.append(email)
	frappe.flags.in_import = False
	return users


def make_line(prefix: str, kind: str, users: list[str], mode: str):
	line = frappe.get_doc(
		{
			"doctype": "IQC Line",
			"line_name": f"{prefix}-{kind}",
			"mode": mode,
			"members": [{"operator": user} for user in users],
		}
	).insert(ignore_permissions=True)
	channel = frappe.get_doc(
		{
			"doctype": "IQC Channel",
			"channel_name": f"{prefix}-{kind}",
			"channel_type": "API",
			"default_line": line.name,
		}
	).insert(ignore_permissions=True)
	return line.name, channel


def write_burst(prefix: str, channel, count: int):
	from iqchannels.flows.receiving import receive_client_message
	from iqchannels.records.clients import client_for_identity

	for i in range(count):
		client = client_for_identity(channel, f"{prefix}-{i}", {"full_name": f"Client {i}"})
		receive_client_message(channel, client, "Hello, I need help")
		# One request per client, as through the inbound API: its events go out at its commit.
		frappe.db.commit()


def cleanup(prefix: str):
	channels = frappe.get_all("IQC Channel", filters={"name": ["like", f"{prefix}%"]}, pluck="name")
	if channels:
		names = [
			str(n)
			for n in frappe.get_all("IQC Conversation", filters={"channel": ["in", channels]}, pluck="name")
		]
		if names:
			frappe.db.delete("ToDo", {"reference_type": "IQC Conversation", "reference_name": ["in", names]})
			for doctype in ("IQC Assignment Log", "IQC Message"):
				frappe.db.delete(doctype, {"conversation": ["in", names]})
		clients = frappe.get_all("IQC Client Identity", filters={"channel": ["in", channels]}, pluck="parent")
		frappe.db.delete("IQC Conversation", {"channel": ["in", channels]})
		frappe.db.delete("IQC Client Identity", {"channel": ["in", channels]})
		if clients:
			frappe.db.delete("IQC Client", {"name": ["in", clients]})
		for channel in channels:
			frappe.delete_doc("IQC Channel", channel, force=True, ignore_permissions=True)
	for line in frappe.get_all("IQC Line", filters={"name": ["like", f"{prefix}%"]}, pluck="name"):
		frappe.delete_doc("IQC Line", line, force=True, ignore_permissions=True)
	users = frappe.get_all("User", filters={"name": ["like", f"{prefix}%"]}, pluck="name")
	if users:
		frappe.db.delete("IQC Operator Status Log", {"operator": ["in", users]})
		frappe.db.delete("IQC Operator", {"name": ["in", users]})
		frappe.db.delete("Has Role", {"parent": ["in", users]})
		frappe.db.delete("User", {"name": ["in", users]})
	frappe.db.commit()


if __name__ == "__main__":
	main()
