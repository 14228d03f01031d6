"""Demo data, so that a newcomer sees the product at work within minutes (layer: endpoints).

Idempotent: running it again tops up what is missing and lets the demo clients write once more.
"""

import frappe

from iqchannels.flows import distribution
from iqchannels.flows.receiving import receive_client_message
from iqchannels.flows.statuses import change_status
from iqchannels.flows.tickets import create_ticket
from iqchannels.records.clients import client_for_identity
from iqchannels.records.roles import OPERATOR, SUPERVISOR

PASSWORD = "iqchannels-demo"
LINE = "Demo Support"
API_CHANNEL = "Demo Partner API"
WIDGET_CHANNEL = "Demo Website Chat"
OPERATORS = [
	("anna.operator@iqchannels.commands.demo", "Anna", "Operator"),
	("boris.operator@iqchannels.commands.demo", "Boris", "Operator"),
	("vera.operator@iqchannels.commands.demo", "Vera", "Operator"),
]
SUPERVISOR_USER = ("sofia.supervisor@iqchannels.commands.demo", "Sofia", "Supervisor")
CLIENTS = [
	("crm-1001", "Ivan Petrov", "Hello! My card payment failed twice, what should I do?"),
	("crm-1002", "Olena Kovalenko", "Добрий день! Як змінити номер телефону в профілі?"),
	("crm-1003", "Maria Sidorova", "Здравствуйте, не приходит SMS с кодом подтверждения."),
	("crm-1004", "John Smith", "Can I get an invoice for last month?"),
	("crm-1005", "Aliya Nurlanovna", "Подскажите, пожалуйста, часы работы офиса."),
]


def make_demo() -> str:
	frappe.set_user("Administrator")
	users = [ensure_user(*row, role=OPERATOR) for row in OPERATORS]
	ensure_user(*SUPERVISOR_USER, role=SUPERVISOR)
	line = ensure_line(users)
	ensure_channel(API_CHANNEL, "API", line)
	ensure_channel(WIDGET_CHANNEL, "Web widget", line)
	for user in users[:2]:
		frappe.set_user(user)
		change_status(user, "Active")
	frappe.set_user("Administrator")
	channel = frappe.get_doc("IQC Channel", API_CHANNEL)
	for external_id, full_name, text in CLIENTS:
		client = client_for_identity(channel, external_id, {"full_name": full_name})
		receive_client_message(channel, client, text)
	frappe.db.commit()
	assigned = distribution.distribute_line(line)
	frappe.db.commit()
	tickets = ensure_tickets(channel)
	frappe.db.commit()
	logins = ", ".join(user for user, *_ in [*OPERATORS, SUPERVISOR_USER])
	return (
		f"Demo ready: line {line}, channels {API_CHANNEL} and {WIDGET_CHANNEL}, "
		f"{len(CLIENTS)} clients wrote, {len(assigned)} conversations assigned, {tickets} tickets open.\n"
		f"Log in as any of {logins} with the password {PASSWORD!r}."
	)


def ensure_user(email: str, first_name: str, last_name: str, role: str) -> str:
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": first_name,
				"last_name": last_name,
				"send_welcome_email": 0,
				"user_type": "System User",
			}
		)
		user.insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.add_roles(role)
	from frappe.utils.password import update_password

	update_password(email, PASSWORD)
	return email


def ensure_line(users: list[str]) -> str:
	if not frappe.db.exists("IQC Line", LINE):
		frappe.get_doc({"doctype": "IQC Line", "line_name": LINE, "mode": "Automatic"}).insert()
	for user in users:
		if not frappe.db.exists("IQC Operator", user):
			frappe.get_doc({"doctype": "IQC Operator", "user": user, "slots": 3}).insert()
	line = frappe.get_doc("IQC Line", LINE)
	present = {row.operator for row in line.members}
	for user in users:
		if user not in present:
			line.append("members", {"operator": user})
	line.save()
	return line.name


def ensure_channel(name: str, channel_type: str, line: str) -> None:
	if not frappe.db.exists("IQC Channel", name):
		frappe.get_doc(
			{
				"doctype": "IQC Channel",
				"channel_name": name,
				"channel_type": channel_type,
				"default_line": line,
				"greeting_text": "Hello! An operator will answer you shortly.",
			}
		).insert()


def ensure_tickets(channel) -> int:
	"""The first client's card problem goes on in a ticket with a sub-ticket, as an operator would
	leave it after the chat; once."""
	external_id = CLIENTS[0][0]
	client = client_for_identity(channel, external_id, {})
	if not frappe.db.exists("IQC Ticket", {"client": client}):
		conversation = frappe.get_last_doc("IQC Conversation", filters={"client": client})
		by = conversation.operator or OPERATORS[0][0]
		ticket = create_ticket(
			by,
			"Card payment failed twice",
			conversation=conversation,
			ticket_type="Incident" if frappe.db.exists("IQC Ticket Type", "Incident") else None,
			priority="High",
			description="Both payments were declined at the terminal; the client was charged once.",
			tell_client=False,
		)
		create_ticket(
			by, "Ask the acquiring bank about the declined payments", parent=ticket, tell_client=False
		)
	return frappe.db.count("IQC Ticket", {"status": ["not in", ["Resolved", "Closed"]]})
