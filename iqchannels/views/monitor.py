"""The live floor for supervisors (layer: read models): operators, lines, the conversations in progress and the
overdue tickets, read in a few aggregate queries so that the page stays quick with hundreds of operators online."""

from collections import defaultdict
from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from iqchannels.engine.stats import sla_met
from iqchannels.records import segments, settings
from iqchannels.records.callbacks import STALE_CALL
from iqchannels.views.reporting import default_target, first_response_targets
from iqchannels.views.ticket_reports import ACTIVE_STATUSES

CONVERSATION_FIELDS = """name, client_name, channel, line, status, operator, priority, opened_at, queued_at,
	assigned_at, first_response_at, last_client_message_at, last_operator_message_at"""
# The monitor lists this many overdue tickets, the longest overdue first; it counts them all.
OVERDUE_LISTED = 10


def floor(segment: str | None = None) -> dict:
	"""The floor, narrowed to one segment when asked, and always to a limited supervisor's segments."""
	now = now_datetime()
	scope = segments.scope(requested=segment)
	conversations = frappe.db.sql(
		f"""select {CONVERSATION_FIELDS} from `tabIQC Conversation`
		where status in ('Queued', 'Open') {also(segments.line_condition("line", scope))}
		order by priority desc, opened_at""",
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
		"segment": segment or None,
		"segments": [row["name"] for row in segments.visible_segments()],
		"operators": operators(now, held, scope),
		"lines": lines(now, queued, scope),
		"conversations": conversations,
		"overdue_tickets": overdue_tickets(now, scope),
	}


def also(condition: str) -> str:
	return f"and {condition}" if condition else ""


def awaiting_answer(c) -> bool:
	return bool(
		c.last_client_message_at
		and (not c.last_operator_message_at or c.last_operator_message_at < c.last_client_message_at)
	)


def seconds(delta: timedelta) -> int:
	return max(int(delta.total_seconds()), 0)


def operators(now, held, scope: list[str] | None = None) -> list[dict]:
	# Within segments: the members of their lines, and whoever holds one of their conversations.
	members = segments.line_condition("member.parent", scope)
	within = (
		f"""where user in (select member.operator from `tabIQC Line Member` member
			where member.parenttype = 'IQC Line' and {members}) or user in %(holding)s"""
		if members
		else ""
	)
	rows = frappe.db.sql(
		f"""select user as name, full_name, status, status_since, slots, last_seen_at
		from `tabIQC Operator` {within} order by status = 'Offline', full_name""",
		{"holding": [name for name in held if name] or [""]},
		as_dict=True,
	)
	default_slots = settings.number("default_slots")
	calls = calls_in_progress(now, [row.name for row in rows])
	for row in rows:
		row.call = calls.get(row.name)
		mine = held.get(row.name, [])
		row.slots = row.slots or default_slots
		row.load = len(mine)
		row.conversations = [c.name for c in mine]
		row.in_status = seconds(now - row.status_since) if row.status_since else None
	return rows


def calls_in_progress(now, users: list[str]) -> dict[str, dict]:
	"""Each operator's call now (ringing at them or talking, not ended; a call whose end never came stops
	counting after a few hours): the same rule as records.calls.on_call, with what the floor shows."""
	if not users:
		return {}
	calls = frappe.db.sql(
		"""select operator, name, state, direction, client_name, phone, started_at, answered_at
		from `tabIQC Call` where operator in %(users)s and state in ('Ringing', 'Answered')
			and ended_at is null and started_at >= %(since)s
		order by started_at""",
		{"users": users, "since": now - STALE_CALL},
		as_dict=True,
	)
	for call in calls:
		call.since = seconds(now - (call.answered_at or call.started_at))
	return {call.operator: call for call in calls}


def lines(now, queued, scope: list[str] | None = None) -> list[dict]:
	rows = frappe.db.sql(
		f"""select line.name, line.mode, line.segment, count(member.operator) as members,
			sum(operator.status = 'Active') as active
		from `tabIQC Line` line
		left join `tabIQC Line Member` member on member.parent = line.name and member.parenttype = 'IQC Line'
		left join `tabIQC Operator` operator on operator.user = member.operator
		where line.enabled = 1 {also(segments.line_condition("line.name", scope))}
		group by line.name, line.mode, line.segment order by line.name""",
		as_dict=True,
	)
	for row in rows:
		waiting = queued.get(row.name, [])
		row.active = int(row.active or 0)
		row.queue = len(waiting)
		row.longest_wait = max((c.waiting or 0 for c in waiting), default=None)
		row.breached = sum(1 for c in waiting if c.sla_breached)
	return rows


def overdue_tickets(now, scope: list[str] | None = None) -> dict:
	"""Active tickets past their due time: how many, and the first few, the longest overdue first."""
	params = {"active": ACTIVE_STATUSES, "now": now, "limit": OVERDUE_LISTED}
	where = "ticket.status in %(active)s and ticket.due_by < %(now)s"
	where += f" {also(segments.line_condition('ticket.line', scope))}"
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
