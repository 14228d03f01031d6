"""Tickets for operators and supervisors (layer: endpoints): the Tickets view, a ticket's page, the
client's tickets, and every action on a ticket. See README, "Tickets"."""

import frappe
from frappe.utils import cint

from iqchannels.api.clients import visible_client
from iqchannels.api.operator import require_operator, visible_conversation, workable_conversation
from iqchannels.engine.tickets import Action
from iqchannels.flows import tickets as flow
from iqchannels.records import roles
from iqchannels.records.exceptions import fail, http_errors
from iqchannels.records.permissions import can_see_ticket
from iqchannels.records.tickets import row, ticket_doc
from iqchannels.views import tickets as read


def visible_ticket(name):
	require_operator()
	ticket = ticket_doc(name)
	if not can_see_ticket(ticket):
		fail("forbidden", "Ticket #{0} is not yours.", name)
	return ticket


def workable_ticket(name):
	"""The ticket if the current user may act on it: its assignee, a supervisor, or a member of its
	line while nobody has it (acting on it makes it theirs)."""
	ticket = visible_ticket(name)
	user = frappe.session.user
	if not flow.can_work(ticket, user):
		fail("forbidden", "Ticket #{0} is assigned to someone else.", name)
	if not ticket.assignee and roles.is_operator(user):
		flow.hand_to(ticket, user, user)
	return ticket


def answer(ticket) -> dict:
	return {"ticket": row(ticket)}


@frappe.whitelist()
def tickets(
	view: str = "mine",
	search: str | None = None,
	status: str | None = None,
	priority: str | None = None,
	ticket_type: str | None = None,
	line: str | None = None,
	start: int = 0,
	limit: int = 50,
) -> dict:
	"""A page of one view (mine, lines, watched, postponed, overdue, all) and every view's counter."""
	user = require_operator()
	return read.ticket_list(user, view, search, status, priority, ticket_type, line, cint(start), cint(limit))


@frappe.whitelist()
def ticket(ticket: str | int) -> dict:
	"""A ticket with its parent, sub-tickets, events and the client's card."""
	return read.ticket_details(visible_ticket(ticket), frappe.session.user)


@frappe.whitelist()
def client_tickets(client: str | int) -> dict:
	require_operator()
	return read.client_tickets(visible_client(client))


@frappe.whitelist(methods=["POST"])
@http_errors
def create(
	subject: str,
	client: str | int | None = None,
	conversation: str | int | None = None,
	parent: str | int | None = None,
	ticket_type: str | None = None,
	priority: str | None = None,
	description: str | None = None,
	line: str | None = None,
	assignee: str | None = None,
) -> dict:
	"""A ticket from a conversation, a sub-ticket of `parent`, or a ticket for a client."""
	user = require_operator()
	source = visible_conversation(conversation) if conversation else None
	parent_doc = visible_ticket(parent) if parent else None
	if client and not (source or parent_doc):
		client = visible_client(client)
	created = flow.create_ticket(
		user,
		subject,
		client=client,
		conversation=source,
		parent=parent_doc,
		ticket_type=ticket_type,
		priority=priority,
		description=description,
		line=line,
		assignee=assignee,
	)
	return answer(created)


@frappe.whitelist(methods=["POST"])
@http_errors
def close_and_open(
	conversation: str | int,
	result: str,
	subject: str,
	ticket_type: str | None = None,
	priority: str | None = None,
	description: str | None = None,
	category: str | None = None,
) -> dict:
	"""Close the conversation with its result and open a ticket linked to it, in one step."""
	doc = workable_conversation(conversation, owner_only=True)
	created = flow.close_and_open(
		doc,
		result,
		frappe.session.user,
		category=category,
		subject=subject,
		ticket_type=ticket_type,
		priority=priority,
		description=description,
	)
	return {**answer(created), "conversation": doc.name}


@frappe.whitelist(methods=["POST"])
@http_errors
def act(
	ticket: str | int,
	action: str,
	until: str | None = None,
	reason: str | None = None,
	resolution: str | None = None,
	tell_client: int = 1,
	comment: str | None = None,
) -> dict:
	"""start, wait, postpone (until, reason), resolve (resolution, tell_client), close or reopen."""
	if action not in set(Action) or action in (Action.CLIENT_WROTE, Action.COME_BACK):
		fail("invalid", "Unknown action {0}.", action)
	doc = workable_ticket(ticket)
	flow.act_on(
		doc,
		action,
		frappe.session.user,
		until=until,
		reason=reason,
		resolution=resolution,
		tell_client=bool(cint(tell_client)),
		comment=comment,
	)
	return answer(doc)


@frappe.whitelist(methods=["POST"])
@http_errors
def reply(ticket: str | int, text: str) -> dict:
	"""A reply to the client on the ticket's channel."""
	message = flow.reply(workable_ticket(ticket), text, frappe.session.user)
	return {
		"message": {
			"name": message.name,
			"conversation": int(message.conversation),
			"ticket": int(message.ticket),
		}
	}


@frappe.whitelist(methods=["POST"])
@http_errors
def hand_over(
	ticket: str | int, user: str | None = None, line: str | None = None, comment: str | None = None
) -> dict:
	return answer(
		flow.hand_over(workable_ticket(ticket), frappe.session.user, user=user, line=line, comment=comment)
	)


@frappe.whitelist(methods=["POST"])
@http_errors
def watch(ticket: str | int, watching: int = 1) -> dict:
	return answer(flow.watch(visible_ticket(ticket), frappe.session.user, bool(cint(watching))))


@frappe.whitelist(methods=["POST"])
@http_errors
def update(
	ticket: str | int,
	subject: str | None = None,
	priority: str | None = None,
	ticket_type: str | None = None,
	description: str | None = None,
) -> dict:
	values = {
		field: value
		for field, value in (
			("subject", subject),
			("priority", priority),
			("ticket_type", ticket_type),
			("description", description),
		)
		if value is not None
	}
	return answer(flow.update(workable_ticket(ticket), **values))
