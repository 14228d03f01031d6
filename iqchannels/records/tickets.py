"""Tickets' records (layer: records): a ticket's state for the rules and back, its assignee through
Frappe's own assignment (ToDo), its events (the ticket's part of the client's history), who hears of
it, and the checks that keep the desk's form and Kanban board to the rules of engine/tickets.py."""

from datetime import timedelta

import frappe
from frappe import _
from frappe.desk.form import assign_to
from frappe.utils import get_datetime, now_datetime

from iqchannels.engine.model import DomainError
from iqchannels.engine.tickets import (
	Action,
	TicketState,
	TicketStatus,
	act,
	check_subject,
	due_by,
	is_overdue,
	would_be_own_ancestor,
)
from iqchannels.records import realtime, settings
from iqchannels.records.exceptions import fail
from iqchannels.records.followers import followers_of
from iqchannels.records.inputs import plain_number
from iqchannels.records.operators import full_name
from iqchannels.records.rows import fast_insert

ROW_FIELDS = [
	"name",
	"subject",
	"status",
	"priority",
	"ticket_type",
	"client",
	"client_name",
	"line",
	"assignee",
	"due_by",
	"postponed_until",
	"modified",
	"opened_at",
	"parent_ticket",
	"conversation",
]
# A status set on the desk's form or Kanban board is the action that leads to it.
ACTION_TO = {
	TicketStatus.IN_PROGRESS: Action.START,
	TicketStatus.WAITING: Action.WAIT,
	TicketStatus.RESOLVED: Action.RESOLVE,
	TicketStatus.CLOSED: Action.CLOSE,
}


def ticket_doc(name):
	number = plain_number(name)
	if number is None or not frappe.db.exists("IQC Ticket", number):
		fail("not_found", "Ticket {0} does not exist.", name)
	return frappe.get_doc("IQC Ticket", number)


def state_of(ticket) -> TicketState:
	return TicketState(
		status=TicketStatus(ticket.status or TicketStatus.OPEN),
		postponed_until=get_datetime(ticket.postponed_until) if ticket.postponed_until else None,
		resolved_at=get_datetime(ticket.resolved_at) if ticket.resolved_at else None,
		closed_at=get_datetime(ticket.closed_at) if ticket.closed_at else None,
	)


def take_state(ticket, state: TicketState) -> None:
	"""Put what the rules returned on the document (the caller saves it)."""
	ticket.status = state.status.value
	ticket.postponed_until = state.postponed_until
	ticket.resolved_at = state.resolved_at
	ticket.closed_at = state.closed_at
	if state.status != TicketStatus.POSTPONED:
		ticket.postpone_reason = None


def reopen_window() -> timedelta:
	return timedelta(days=settings.number("ticket_reopen_days"))


def due_by_of(ticket):
	hours = (
		frappe.db.get_value("IQC Ticket Type", ticket.ticket_type, "resolution_hours")
		if ticket.ticket_type
		else None
	)
	return due_by(get_datetime(ticket.opened_at), hours, ticket.priority or "Medium")


def parent_of(name) -> str | None:
	parent = frappe.db.get_value("IQC Ticket", name, "parent_ticket")
	return str(parent) if parent else None


def validate_form(ticket) -> None:
	"""Every save of a ticket, from the workspace's flows or the desk: a subject within bounds, no
	loop of parents, the due date from type and priority, and a status only as the rules allow."""
	try:
		ticket.subject = check_subject(ticket.subject)
		if ticket.parent_ticket:
			if not frappe.db.exists("IQC Ticket", ticket.parent_ticket):
				fail("not_found", "Ticket {0} does not exist.", ticket.parent_ticket)
			if not ticket.is_new() and would_be_own_ancestor(
				str(ticket.name), str(ticket.parent_ticket), parent_of
			):
				fail("invalid", "Ticket #{0} cannot be a sub-ticket of its own sub-ticket.", ticket.name)
		if ticket.is_new():
			ticket.opened_at = ticket.opened_at or now_datetime()
			ticket.status = ticket.status or TicketStatus.OPEN.value
		if ticket.is_new() or ticket.has_value_changed("ticket_type") or ticket.has_value_changed("priority"):
			ticket.due_by = due_by_of(ticket)
		if not ticket.is_new() and ticket.has_value_changed("status") and not ticket.flags.by_rules:
			status_set_on_the_desk(ticket)
	except DomainError as error:
		fail(error.kind, error.message, **error.params)


def status_set_on_the_desk(ticket) -> None:
	"""A status dragged on the Kanban board or set in the form: allowed only as the action leading to
	it, with what that action needs (a resolution to resolve; postponing needs a date: the workspace)."""
	before = ticket.get_doc_before_save()
	wanted = TicketStatus(ticket.status)
	action = ACTION_TO.get(wanted)
	if before.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and wanted == TicketStatus.IN_PROGRESS:
		action = Action.REOPEN
	if action is None:
		fail("invalid", "Set this status from the operator workspace: it needs more than a click.")
	state = act(state_of(before), action, now_datetime(), resolution=ticket.resolution)
	take_state(ticket, state)
	ticket.flags.event = EVENT_OF[action]


def after_save(ticket) -> None:
	"""A status changed on the desk is an event of the ticket like any other."""
	if event := ticket.flags.pop("event", None):
		add_event(ticket, event, frappe.session.user)


EVENT_OF = {
	Action.START: "Status Changed",
	Action.WAIT: "Status Changed",
	Action.POSTPONE: "Postponed",
	Action.COME_BACK: "Came Back",
	Action.RESOLVE: "Resolved",
	Action.CLOSE: "Closed",
	Action.REOPEN: "Reopened",
	Action.CLIENT_WROTE: "Client Wrote",
}


def save(ticket) -> None:
	"""Save a change the flows decided by the rules."""
	ticket.flags.by_rules = True
	ticket.save(ignore_permissions=True)


def add_event(ticket, event: str, user: str | None, note: str | None = None) -> None:
	fast_insert(
		frappe.get_doc(
			{
				"doctype": "IQC Ticket Event",
				"ticket": ticket.name,
				"client": ticket.client,
				"event": event,
				"status": ticket.status,
				"user": user if user and user != "Guest" else None,
				"at": now_datetime(),
				"note": (note or "")[:1000] or None,
			}
		)
	)
	publish(ticket, event)


def watchers_of(ticket) -> list[str]:
	return [row.user for row in ticket.get("watchers") or []]


def publish(ticket, event: str) -> None:
	"""To the assignee and the watchers, the line's room and the supervisors' room."""
	payload = {
		"ticket": ticket.name,
		"status": ticket.status,
		"assignee": ticket.assignee,
		"line": ticket.line,
		"event": event,
	}
	realtime.publish(
		"ticket-updated", payload, {ticket.assignee, *watchers_of(ticket), *followers_of(ticket.client)}
	)
	realtime.publish_to_supervisors("ticket-updated", payload)
	if ticket.line:
		realtime.publish_to_line("ticket-updated", payload, ticket.line)


def set_assignee(ticket, user: str | None, by: str | None) -> None:
	"""Hand the ticket to `user` (None: to nobody, it waits in its line) through Frappe's assignment:
	the ticket shows in their ToDo list and Frappe notifies them."""
	if user == ticket.assignee:
		return
	previous = ticket.assignee
	ticket.assignee = user
	frappe.db.set_value("IQC Ticket", ticket.name, "assignee", user, update_modified=False)
	if previous:
		assign_to.remove("IQC Ticket", ticket.name, previous, ignore_permissions=True)
	if user:
		add_todo(ticket, user)


def add_todo(ticket, user: str) -> None:
	assign_to.add(
		{"assign_to": [user], "doctype": "IQC Ticket", "name": ticket.name, "description": ticket.subject},
		ignore_permissions=True,
	)


def close_assignments(ticket) -> None:
	"""A resolved or closed ticket leaves its assignee's open ToDo list, as Frappe does for done work."""
	frappe.db.set_value(
		"ToDo",
		{"reference_type": "IQC Ticket", "reference_name": str(ticket.name), "status": "Open"},
		"status",
		"Closed",
	)


def reopen_assignment(ticket) -> None:
	if ticket.assignee and not frappe.db.exists(
		"ToDo",
		{
			"reference_type": "IQC Ticket",
			"reference_name": str(ticket.name),
			"allocated_to": ticket.assignee,
			"status": "Open",
		},
	):
		add_todo(ticket, ticket.assignee)


def mirror_assignee(todo, method=None) -> None:
	"""Assigned or unassigned on the desk (the form's sidebar): the ticket's assignee follows its
	latest open ToDo, so the workspace's lists and counters read one indexed column."""
	if todo.reference_type != "IQC Ticket" or not todo.reference_name:
		return
	latest = frappe.db.get_value(
		"ToDo",
		{"reference_type": "IQC Ticket", "reference_name": todo.reference_name, "status": "Open"},
		"allocated_to",
		order_by="creation desc",
	)
	current = frappe.db.get_value("IQC Ticket", todo.reference_name, "assignee")
	if latest and latest != current:
		frappe.db.set_value("IQC Ticket", todo.reference_name, "assignee", latest, update_modified=False)
		ticket = frappe.get_doc("IQC Ticket", todo.reference_name)
		add_event(ticket, "Assigned", frappe.session.user, _("to {0}").format(full_name(latest)))


def row(ticket, now=None) -> dict:
	"""A ticket as lists show it."""
	values = frappe._dict({field: ticket.get(field) for field in ROW_FIELDS})
	return decorate(values, now)


def decorate(values, now=None) -> dict:
	values.name = int(values.name)
	values.assignee_name = full_name(values.assignee) if values.assignee else None
	values.overdue = is_overdue(
		values.status, get_datetime(values.due_by) if values.due_by else None, now or now_datetime()
	)
	return values
