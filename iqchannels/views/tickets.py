"""What the workspace shows of tickets (layer: read models): the Tickets view's lists and counters, a
ticket with its sub-tickets and events, a client's tickets for the side panel, and ticket events placed
among a client's messages in their history."""

import frappe
from frappe.utils import get_datetime, now_datetime

from iqchannels.engine.tickets import ACTIVE, DONE
from iqchannels.flows.tickets import can_work
from iqchannels.records import inputs, roles
from iqchannels.records.exceptions import fail
from iqchannels.records.operators import full_name, lines_of
from iqchannels.records.tickets import ROW_FIELDS, decorate, row, watchers_of
from iqchannels.views.workspace import client_card

VIEWS = ("mine", "lines", "watched", "postponed", "overdue", "all")
ACTIVE_STATUSES = sorted(status.value for status in ACTIVE)
STATUSES = ACTIVE_STATUSES + sorted(status.value for status in DONE)
RECENT_DONE = 5


def view_filters(view: str, user: str) -> dict:
	"""The filters of a view, before the user's own."""
	now = now_datetime()
	if view == "mine":
		return {"assignee": user}
	if view == "lines":
		return {"line": ["in", lines_of(user) or [""]]}
	if view == "watched":
		return {"name": ["in", watched_by(user) or [0]]}
	if view == "postponed":
		return {"status": "Postponed", **scope_of(user)}
	if view == "overdue":
		return {"due_by": ["<", now], **scope_of(user)}
	if not roles.is_supervisor(user):
		fail("forbidden", "Only supervisors see all tickets.")
	return {}


def scope_of(user: str) -> dict:
	"""Postponed and overdue: of what an operator works on (theirs); a supervisor's: all."""
	return {} if roles.is_supervisor(user) else {"assignee": user}


def watched_by(user: str) -> list[int]:
	return [
		int(name)
		for name in frappe.get_all(
			"IQC Ticket Watcher", filters={"user": user, "parenttype": "IQC Ticket"}, pluck="parent"
		)
	]


def ticket_list(
	user: str,
	view: str = "mine",
	search: str | None = None,
	status: str | None = None,
	priority: str | None = None,
	ticket_type: str | None = None,
	line: str | None = None,
	start: int = 0,
	limit: int = 50,
) -> dict:
	if view not in VIEWS:
		fail("invalid", "Unknown view {0}: use {1}.", view, ", ".join(VIEWS))
	if status and status not in STATUSES:
		fail("invalid", "Unknown status {0}.", status)
	filters = view_filters(view, user)
	# Active tickets only, unless a status is asked for (the postponed view has its own).
	filters["status"] = status or filters.get("status") or ["in", ACTIVE_STATUSES]
	for field, value in (("priority", priority), ("ticket_type", ticket_type), ("line", line)):
		if value:
			filters[field] = value
	or_filters = search_filters(search) if search else None
	rows = frappe.get_list(
		"IQC Ticket",
		filters=filters,
		or_filters=or_filters,
		fields=ROW_FIELDS,
		order_by="modified desc",
		start=inputs.page_start(start),
		page_length=inputs.page_length(limit),
	)
	now = now_datetime()
	return {"tickets": [decorate(r, now) for r in rows], "counters": counters(user)}


def search_filters(search: str) -> dict:
	term = search.strip()
	or_filters = {"subject": ["like", f"%{term}%"], "client_name": ["like", f"%{term}%"]}
	if (number := inputs.plain_number(term.lstrip("#"))) is not None:
		or_filters["name"] = number
	return or_filters


def counters(user: str) -> dict:
	"""Active tickets per view, each one indexed count."""
	counts = {}
	for view in ("mine", "lines", "watched", "postponed", "overdue"):
		filters = view_filters(view, user)
		filters.setdefault("status", ["in", ACTIVE_STATUSES])
		counts[view] = frappe.db.count("IQC Ticket", filters)
	return counts


def ticket_details(ticket, user: str) -> dict:
	fields = row(ticket)
	fields.update(
		description=ticket.description,
		resolution=ticket.resolution,
		postpone_reason=ticket.postpone_reason,
		resolved_at=ticket.resolved_at,
		closed_at=ticket.closed_at,
		channel=ticket.channel,
		company=ticket.company,
		watchers=watchers_of(ticket),
		watching=user in watchers_of(ticket),
		can_work=can_work(ticket, user),
	)
	parent = None
	if ticket.parent_ticket:
		parent = decorate(frappe.db.get_value("IQC Ticket", ticket.parent_ticket, ROW_FIELDS, as_dict=True))
	return {
		"ticket": fields,
		"parent": parent,
		"sub_tickets": sub_ticket_tree(ticket.name),
		"events": events_of(ticket.name),
		"client": client_card(ticket.client),
	}


def sub_ticket_tree(name) -> list[dict]:
	"""The ticket's sub-tickets at any depth, nested, read a level at a time."""
	now = now_datetime()
	top: list[dict] = []
	level = {int(name): top}
	seen = {int(name)}
	while level:
		rows = frappe.get_all(
			"IQC Ticket",
			filters={"parent_ticket": ["in", [str(n) for n in level]]},
			fields=ROW_FIELDS,
			order_by="name asc",
		)
		next_level = {}
		for child in rows:
			child = decorate(child, now)
			if child.name in seen:
				continue
			seen.add(child.name)
			child.children = []
			level[int(child.parent_ticket)].append(child)
			next_level[child.name] = child.children
		level = next_level
	return top


def events_of(ticket) -> list[dict]:
	rows = frappe.get_all(
		"IQC Ticket Event",
		filters={"ticket": str(ticket)},
		fields=["name", "event", "status", "user", "at", "note"],
		order_by="name asc",
	)
	for event in rows:
		event.user_name = full_name(event.user) if event.user else None
	return rows


def client_tickets(client: str) -> dict:
	"""The side panel: the client's active tickets, and the last few done."""
	now = now_datetime()
	active = frappe.get_all(
		"IQC Ticket",
		filters={"client": str(client), "status": ["in", ACTIVE_STATUSES]},
		fields=ROW_FIELDS,
		order_by="modified desc",
		limit=inputs.MAX_PAGE,
	)
	done = frappe.get_all(
		"IQC Ticket",
		filters={"client": str(client), "status": ["in", [s.value for s in DONE]]},
		fields=ROW_FIELDS,
		order_by="modified desc",
		limit=RECENT_DONE,
	)
	return {"open": [decorate(r, now) for r in active], "recent_done": [decorate(r, now) for r in done]}


def with_ticket_events(client: str, page: dict, latest: bool) -> dict:
	"""Put the client's ticket events among a page of their messages, in time order: those between
	the page's first and last message, and after the last one on the latest page (before the first
	one too on the oldest page). Messages keep driving the paging."""
	messages = page["messages"]
	bounds = {"client": str(client)}
	if messages:
		start = get_datetime(messages[0].sent_at) if page["has_more"] else None
		end = None if latest else get_datetime(messages[-1].sent_at)
		if start and end:
			bounds["at"] = ["between", [start, end]]
		elif start:
			bounds["at"] = [">=", start]
		elif end:
			bounds["at"] = ["<=", end]
	elif not latest:
		return page
	events = frappe.get_all(
		"IQC Ticket Event",
		filters=bounds,
		fields=["name", "ticket", "event", "status", "user", "at", "note"],
		order_by="at asc, name asc",
		limit=inputs.MAX_PAGE,
	)
	if not events:
		return page
	subjects = {
		int(name): subject
		for name, subject in frappe.get_all(
			"IQC Ticket",
			filters={"name": ["in", list({e.ticket for e in events})]},
			fields=["name", "subject"],
			as_list=True,
		)
	}
	rows = [
		frappe._dict(
			kind="ticket-event",
			author_type="System",
			name=f"ticket-event-{e.name}",
			ticket=int(e.ticket),
			subject=subjects.get(int(e.ticket)),
			event=e.event,
			status=e.status,
			user_name=full_name(e.user) if e.user else None,
			at=e.at,
			sent_at=e.at,
			note=e.note,
		)
		for e in events
	]
	merged = sorted(messages + rows, key=lambda r: (get_datetime(r.sent_at), r.kind == "ticket-event"))
	return {**page, "messages": merged}


CLIENT_FIELDS = ["name", "subject", "status", "opened_at", "resolved_at", "resolution"]


def tickets_for_client(client: str | None, ticket: str | int | None = None) -> dict:
	"""What a client sees of their own tickets (the web chat, the partner API): newest first, or the
	one asked for. Another client's ticket is unknown to them."""
	filters = {"client": str(client or "")}
	if ticket is not None:
		number = inputs.plain_number(str(ticket).lstrip("#"))
		if number is None:
			fail("invalid", "{0} must be a ticket number.", "ticket")
		filters["name"] = number
	rows = (
		frappe.get_all(
			"IQC Ticket", filters=filters, fields=CLIENT_FIELDS, order_by="name desc", limit=inputs.MAX_PAGE
		)
		if client
		else []
	)
	if ticket is not None and not rows:
		fail("not_found", "Ticket {0} is not one of yours.", ticket)
	for r in rows:
		r.number = int(r.pop("name"))
	return {"tickets": rows}
