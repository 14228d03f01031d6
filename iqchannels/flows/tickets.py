"""Tickets (layer: flows): opening one from a chat or on its own, working it by the rules of
engine/tickets.py, replying to the client on their channel, handing it over, and bringing postponed
tickets back when their time comes."""

import frappe
from frappe import _
from frappe.desk.doctype.notification_log.notification_log import enqueue_create_notification
from frappe.utils import get_datetime, now_datetime

from iqchannels.channels.registry import adapter_of
from iqchannels.engine.messages import clean_text
from iqchannels.engine.tickets import Action, Priority, TicketStatus, act, check_subject
from iqchannels.flows.lifecycle import close, say
from iqchannels.records import roles, settings
from iqchannels.records.exceptions import fail
from iqchannels.records.messages import open_conversation_of
from iqchannels.records.operators import full_name, lines_of
from iqchannels.records.tickets import (
	EVENT_OF,
	add_event,
	close_assignments,
	reopen_assignment,
	reopen_window,
	save,
	set_assignee,
	state_of,
	take_state,
)

# Statuses in which a client's message may change the ticket (see engine.tickets.client_wrote).
TOUCHED_BY_CLIENT = (TicketStatus.WAITING.value, TicketStatus.RESOLVED.value)


def create_ticket(
	by: str,
	subject: str,
	*,
	client: str | None = None,
	conversation=None,
	parent=None,
	ticket_type: str | None = None,
	priority: str | None = None,
	description: str | None = None,
	line: str | None = None,
	assignee: str | None = None,
	tell_client: bool | None = None,
):
	"""A new ticket, from a conversation, as a sub-ticket of `parent`, or for a client on its own.
	It is assigned to `assignee`, or to the operator who opened it. The client is told of it
	(`tell_client`), by default unless it is a sub-ticket: a part of the work, not a new request."""
	if tell_client is None:
		tell_client = parent is None
	subject = check_subject(subject)
	priority = priority or Priority.MEDIUM.value
	if priority not in set(Priority):
		fail("invalid", "Unknown priority {0}: choose Low, Medium, High or Urgent.", priority)
	if ticket_type and not frappe.db.get_value("IQC Ticket Type", ticket_type, "enabled"):
		fail("invalid", "Unknown ticket type {0}.", ticket_type)
	if line and not frappe.db.exists("IQC Line", line):
		fail("invalid", "Unknown line {0}.", line)
	channel = None
	if conversation:
		client, channel, line = conversation.client, conversation.channel, line or conversation.line
	elif parent:
		client, channel, line = parent.client, parent.channel, line or parent.line
		conversation = frappe._dict(name=parent.conversation) if parent.conversation else None
	elif not client or not frappe.db.exists("IQC Client", str(client)):
		fail("invalid", "Choose the client the ticket is for.")
	else:
		channel = latest_channel_of(client)
	ticket = frappe.get_doc(
		{
			"doctype": "IQC Ticket",
			"subject": subject,
			"description": description,
			"client": str(client),
			"line": line,
			"channel": channel,
			"conversation": conversation.name if conversation else None,
			"parent_ticket": parent.name if parent else None,
			"ticket_type": ticket_type,
			"priority": priority,
			"status": TicketStatus.OPEN.value,
		}
	)
	ticket.flags.by_rules = True
	ticket.insert(ignore_permissions=True)
	add_event(ticket, "Created", by, subject)
	owner = assignee or (by if roles.is_operator(by) else None)
	if owner:
		hand_to(ticket, owner, by)
	if tell_client and not settings.settings().silent_ticket_opening:
		notice(ticket, _("We have opened ticket #{0} for your request: {1}").format(ticket.name, subject))
	return ticket


def close_and_open(conversation, result: str, by: str, category: str | None = None, **ticket_fields):
	"""Close the conversation with its result and go on with the client in a ticket: one step."""
	close(conversation, result, category=category, by=by)
	return create_ticket(by, conversation=conversation, **ticket_fields)


def act_on(
	ticket,
	action: str,
	by: str | None,
	*,
	until=None,
	reason: str | None = None,
	resolution: str | None = None,
	tell_client: bool = True,
	comment: str | None = None,
):
	"""Start, wait, postpone, resolve, close or reopen the ticket, as the rules allow."""
	action = Action(action)
	now = now_datetime()
	state = act(
		state_of(ticket),
		action,
		now,
		until=get_datetime(until) if until else None,
		reason=reason,
		resolution=resolution,
		reopen_window=reopen_window(),
	)
	take_state(ticket, state)
	if action == Action.POSTPONE:
		ticket.postpone_reason = reason.strip()
	if action == Action.RESOLVE:
		ticket.resolution = resolution.strip()
	save(ticket)
	if action in (Action.RESOLVE, Action.CLOSE):
		close_assignments(ticket)
	elif action == Action.REOPEN:
		reopen_assignment(ticket)
	note = {Action.POSTPONE: reason, Action.RESOLVE: resolution}.get(action, comment)
	add_event(ticket, EVENT_OF[action], by, note)
	if action == Action.RESOLVE and tell_client:
		notice(ticket, _("Ticket #{0} is resolved: {1}").format(ticket.name, ticket.resolution))
	return ticket


def reply(ticket, text: str, by: str):
	"""A reply to the client from the ticket: it travels on the client's channel like any reply, in
	their open conversation there, or else in the conversation the ticket came from."""
	text = clean_text(text, settings.number("max_message_length"))
	conversation = conversation_for(ticket)
	if not conversation:
		fail("conflict", "Ticket #{0} has no conversation with the client to reply in.", ticket.name)
	message = say(
		conversation,
		"Operator",
		text,
		author=by,
		delivery_status=adapter_of(conversation.channel).reply_state(conversation.channel),
		ticket=ticket.name,
	)
	add_event(ticket, "Replied", by, text[:200])
	return message


def hand_over(ticket, by: str, user: str | None = None, line: str | None = None, comment: str | None = None):
	"""To a colleague (who hears of it at once), or to another line, where it waits for someone to take it."""
	if not user and not line:
		fail("invalid", "Choose a colleague or a line to hand the ticket over to.")
	if ticket.status == TicketStatus.CLOSED.value:
		fail("conflict", "The ticket is closed: reopen it first.")
	if user and not frappe.db.exists("IQC Operator", user):
		fail("invalid", "{0} is not an operator.", user)
	if line:
		if not frappe.db.exists("IQC Line", line):
			fail("invalid", "Unknown line {0}.", line)
		ticket.line = line
		save(ticket)
	to = full_name(user) if user else line
	set_assignee(ticket, user, by)
	add_event(ticket, "Handed Over", by, ": ".join(filter(None, [_("to {0}").format(to), comment])))
	return ticket


def hand_to(ticket, user: str, by: str) -> None:
	set_assignee(ticket, user, by)
	add_event(ticket, "Assigned", by, _("to {0}").format(full_name(user)))


def watch(ticket, user: str, watching: bool):
	rows = [row for row in ticket.watchers if row.user != user]
	if watching:
		rows.append(frappe._dict(user=user))
	ticket.set("watchers", [{"user": row.user} for row in rows])
	save(ticket)
	return ticket


def update(ticket, **values):
	"""Subject, priority, type or description; the due date follows type and priority."""
	if "priority" in values and values["priority"] not in set(Priority):
		fail("invalid", "Unknown priority {0}: choose Low, Medium, High or Urgent.", values["priority"])
	if values.get("ticket_type") and not frappe.db.exists("IQC Ticket Type", values["ticket_type"]):
		fail("invalid", "Unknown ticket type {0}.", values["ticket_type"])
	ticket.update(values)
	save(ticket)
	return ticket


def client_wrote(client: str, text: str) -> None:
	"""Called for every client message: a ticket that waited for the client, or was resolved a short
	while ago, goes back into work, and the message shows on it."""
	# Plain SQL: asked for every client message, where the query builder costs more than the read.
	names = frappe.db.sql_list(
		"select name from `tabIQC Ticket` where client=%s and status in %s", (str(client), TOUCHED_BY_CLIENT)
	)
	now = now_datetime()
	for name in names:
		ticket = frappe.get_doc("IQC Ticket", name)
		before = state_of(ticket)
		state = act(before, Action.CLIENT_WROTE, now, reopen_window=reopen_window())
		if state == before:
			continue
		take_state(ticket, state)
		ticket.last_client_message_at = now
		save(ticket)
		reopen_assignment(ticket)
		add_event(ticket, "Client Wrote", None, text[:200])


def bring_back_postponed() -> list[int]:
	"""Scheduler: postponed tickets whose date has come go back to their assignee and line, who are told."""
	due = frappe.get_all(
		"IQC Ticket",
		filters={"status": TicketStatus.POSTPONED.value, "postponed_until": ["<=", now_datetime()]},
		pluck="name",
	)
	for name in due:
		ticket = frappe.get_doc("IQC Ticket", name)
		act_on(ticket, Action.COME_BACK, None)
		if ticket.assignee:
			enqueue_create_notification(
				ticket.assignee,
				{
					"type": "Alert",
					"document_type": "IQC Ticket",
					"document_name": ticket.name,
					"subject": _("Ticket #{0} is back from postponement: {1}").format(
						ticket.name, ticket.subject
					),
				},
			)
		frappe.db.commit()
	return due


def notice(ticket, text: str) -> None:
	"""A message to the client about their ticket, on the ticket's channel."""
	if conversation := conversation_for(ticket):
		say(conversation, "Bot", text, ticket=ticket.name)


def conversation_for(ticket):
	"""Where to write to the client about the ticket: their open conversation on its channel, else
	the conversation it came from, else their latest on that channel."""
	if not ticket.channel:
		return None
	if conversation := open_conversation_of(ticket.client, ticket.channel):
		return conversation
	name = ticket.conversation or frappe.db.get_value(
		"IQC Conversation",
		{"client": ticket.client, "channel": ticket.channel},
		"name",
		order_by="name desc",
	)
	return frappe.get_doc("IQC Conversation", name) if name else None


def latest_channel_of(client: str) -> str | None:
	return frappe.db.get_value("IQC Conversation", {"client": str(client)}, "channel", order_by="name desc")


def can_work(ticket, user: str) -> bool:
	"""Who may act on a ticket: its assignee, a supervisor, or a member of its line while nobody has it."""
	if roles.is_supervisor(user) or ticket.assignee == user:
		return True
	return not ticket.assignee and bool(ticket.line) and ticket.line in lines_of(user)
