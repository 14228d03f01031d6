"""The live floor for supervisors (layer: read models): operators, lines, the conversations in progress and the
overdue tickets, read in a few aggregate queries so that the page stays quick with hundreds of operators online."""

from collections import defaultdict
from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from iqchannels.engine.stats import sla_met
from iqchannels.records import settings
from iqchannels.views.reporting import default_target, first_response_targets
from iqchannels.views.ticket_reports import ACTIVE_STATUSES

CONVERSATION_FIELDS = """name, client_name, channel, line, status, operator, priority, opened_at, queued_at,
	assigned_at, first_response_at, last_client_message_at, last_operator_message_at"""
# The monitor lists this many overdue tickets, the longest overdue first; it counts them all.
OVERDUE_LISTED = 10


def floor() -> dict:
	now = now_datetime()
	conversations = frappe.db.sql(
		f"""select {CONVERSATION_FIELDS} from `tabIQC Conversation`
		where status in ('Queued', 'Open') order by priority desc, opened_at""",
		as_dict=True,
	)
	targets = first_response_targets()
	held = defaultdict(list)
	queued = defaultdict(list)
	for c in conversations:
		c.waiting = seconds(now - c.queued_at) if c.status == "Queued" and c.queued_at else None
		c.handling = seconds(now - c.assigned_at) if c.status == "Open" and c.assigned_at else None
		# Waiting for the operator's word: the client wrote last.
		c.awaiting_answer = seconds(now - c.last_client_message_at) if awaiting_answer(c) else None
		target = targets.get(c.line) or default_target()
		c.sla_breached = sla_met(c.opened_at, c.first_response_at, target, now) is False
		(held[c.operator] if c.status == "Open" else queued[c.line]).append(c)
	return {
		"now": now,
		"operators": operators(now, held),
		"lines": lines(now, queued),
		"conversations": conversations,
		"overdue_tickets": overdue_tickets(now),
	}


def awaiting_answer(c) -> bool:
	return bool(
		c.last_client_message_at
		and (not c.last_operator_message_at or c.last_operator_message_at < c.last_client_message_at)
	)


def seconds(delta: timedelta) -> int:
	return max(int(delta.total_seconds()), 0)


def operators(now, held) -> list[dict]:
	rows = frappe.db.sql(
		"""select user as name, full_name, status, status_since, slots, last_seen_at
		from `tabIQC Operator` order by status = 'Offline', full_name""",
		as_dict=True,
	)
	default_slots = settings.number("default_slots")
	for row in rows:
		mine = held.get(row.name, [])
		row.slots = row.slots or default_slots
		row.load = len(mine)
		row.conversations = [c.name for c in mine]
		row.in_status = seconds(now - row.status_since) if row.status_since else None
	return rows


def lines(now, queued) -> list[dict]:
	rows = frappe.db.sql(
		"""select line.name, line.mode, count(member.operator) as members,
			sum(operator.status = 'Active') as active
		from `tabIQC Line` line
		left join `tabIQC Line Member` member on member.parent = line.name and member.parenttype = 'IQC Line'
		left join `tabIQC Operator` operator on operator.user = member.operator
		where line.enabled = 1 group by line.name, line.mode order by line.name""",
		as_dict=True,
	)
	for row in rows:
		waiting = queued.get(row.name, [])
		row.active = int(row.active or 0)
		row.queue = len(waiting)
		row.longest_wait = max((c.waiting or 0 for c in waiting), default=None)
		row.breached = sum(1 for c in waiting if c.sla_breached)
	return rows


def overdue_tickets(now) -> dict:
	"""Active tickets past their due time: how many, and the first few, the longest overdue first."""
	params = {"active": ACTIVE_STATUSES, "now": now, "limit": OVERDUE_LISTED}
	where = "ticket.status in %(active)s and ticket.due_by < %(now)s"
	count = frappe.db.sql(f"select count(*) from `tabIQC Ticket` ticket where {where}", params)[0][0]
	tickets = frappe.db.sql(
		f"""select ticket.name, ticket.subject, ticket.status, ticket.line, ticket.assignee,
			user.full_name as assignee_name, ticket.due_by
		from `tabIQC Ticket` ticket left join `tabUser` user on user.name = ticket.assignee
		where {where} order by ticket.due_by limit %(limit)s""",
		params,
		as_dict=True,
	)
	for ticket in tickets:
		ticket.overdue_for = seconds(now - ticket.due_by)
	return {"count": count, "tickets": tickets}
