"""Setting up a site (layer: endpoints: the app's setup hooks): roles, the close results the product relies on, settings
defaults, the default ticket types and the tickets' Kanban board."""

import frappe

from iqchannels.engine.tickets import TicketStatus
from iqchannels.records.callbacks import CLOSE_RESULTS as CALLBACK_RESULTS
from iqchannels.records.roles import ALL_ROLES, SUPERVISOR

STANDARD_RESULTS = {
	"Resolved": "The client's question was answered.",
	"Not resolved": "The question could not be answered in this conversation.",
	"Spam": "Spam or abuse; set by Mark as spam.",
	"Client silent": "Closed automatically after the client stopped answering.",
	**CALLBACK_RESULTS,
}

# Name: (hours to resolve a Medium ticket, description).
DEFAULT_TICKET_TYPES = {
	"Question": (24, "The client asked something that needs looking into."),
	"Incident": (8, "Something does not work for the client."),
	"Request": (72, "The client asks for something to be done."),
}
TICKET_BOARD = "IQC Tickets"
# The board's columns, in the order of the statuses, with their colours.
BOARD_COLUMNS = {
	TicketStatus.OPEN: "Blue",
	TicketStatus.IN_PROGRESS: "Orange",
	TicketStatus.WAITING: "Yellow",
	TicketStatus.POSTPONED: "Gray",
	TicketStatus.RESOLVED: "Green",
	TicketStatus.CLOSED: "Cyan",
}
# Shown on each card; the board can only show fields of the list view.
BOARD_FIELDS = ["priority", "assignee", "due_by"]


def after_install():
	ensure_roles()
	ensure_results()
	ensure_settings()
	ensure_ticket_types()
	ensure_ticket_board()
	ensure_error_log_access()


def after_migrate():
	ensure_roles()
	ensure_results()
	ensure_ticket_types()
	ensure_ticket_board()
	ensure_error_log_access()


def ensure_error_log_access():
	"""Supervisors read the Error Log: a channel that cannot reach Telegram or its mail server, or a
	message it could not understand, is recorded there with the reason."""
	from frappe.permissions import add_permission

	if not frappe.db.exists("Custom DocPerm", {"parent": "Error Log", "role": SUPERVISOR}):
		add_permission("Error Log", SUPERVISOR, 0)


def ensure_roles():
	for role in ALL_ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def ensure_results():
	for name, description in STANDARD_RESULTS.items():
		if not frappe.db.exists("IQC Close Result", name):
			frappe.get_doc(
				{"doctype": "IQC Close Result", "result_name": name, "enabled": 1, "description": description}
			).insert(ignore_permissions=True)


def ensure_settings():
	settings = frappe.get_single("IQC Settings")
	if not settings.auto_close_result:
		settings.auto_close_result = "Client silent"
	settings.save(ignore_permissions=True)


def ensure_ticket_types():
	"""The default types, only on a site that has none: types an administrator removed stay removed."""
	if frappe.db.count("IQC Ticket Type"):
		return
	for name, (hours, description) in DEFAULT_TICKET_TYPES.items():
		frappe.get_doc(
			{
				"doctype": "IQC Ticket Type",
				"type_name": name,
				"enabled": 1,
				"resolution_hours": hours,
				"description": description,
			}
		).insert(ignore_permissions=True)


def ensure_ticket_board():
	"""A public Kanban board of the tickets by status; moving a card changes the ticket's status through
	the ticket's own validation, so the board keeps to the same rules as the workspace."""
	if frappe.db.exists("Kanban Board", TICKET_BOARD):
		return
	frappe.get_doc(
		{
			"doctype": "Kanban Board",
			"kanban_board_name": TICKET_BOARD,
			"reference_doctype": "IQC Ticket",
			"field_name": "status",
			"private": 0,
			"show_labels": 1,
			"fields": frappe.as_json(BOARD_FIELDS),
			"columns": [
				{"column_name": str(status), "status": "Active", "indicator": colour}
				for status, colour in BOARD_COLUMNS.items()
			],
		}
	).insert(ignore_permissions=True)
