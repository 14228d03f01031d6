"""A line's queue and its operators as the engine sees them, and what a waiting client can be told:
their place in the queue and an estimated wait (layer: records). Read by distribution, which plans
from them, and by the conversation lifecycle, whose all-busy autoreply tells the client both."""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import now_datetime

from iqchannels.engine.routing import OperatorState, QueuedConversation
from iqchannels.engine.waiting import estimated_wait
from iqchannels.records import settings
from iqchannels.records.callbacks import CALLBACK, on_call_besides_callbacks
from iqchannels.records.operators import line_members

RECENT_HANDLED = 50


def has_queue(line: str) -> bool:
	"""Whether any conversation waits in the line (the line and status index answers)."""
	return bool(
		frappe.db.sql("select 1 from `tabIQC Conversation` where line=%s and status='Queued' limit 1", line)
	)


def queued_conversations(line: str) -> list[QueuedConversation]:
	"""The line's queue, with what sticky routing needs: each client's responsible operator and the
	operator and close time of the client's last closed conversation."""
	rows = frappe.get_all(
		"IQC Conversation",
		filters={"line": line, "status": "Queued"},
		fields=["name", "priority", "queued_at", "client", "unanswered_by", "kind", "callback_due_at"],
	)
	clients = sorted({r.client for r in rows})
	if not clients:
		return []
	responsible = {
		str(name): operator
		for name, operator in frappe.get_all(
			"IQC Client",
			filters={"name": ["in", clients]},
			fields=["name", "responsible_operator"],
			as_list=True,
		)
	}
	previous = {}
	for client, operator, closed_at in frappe.db.sql(
		"""select client, operator, closed_at from `tabIQC Conversation`
		where client in %(clients)s and status='Closed' and operator is not null
		order by closed_at desc""",
		{"clients": clients},
	):
		previous.setdefault(client, (operator, closed_at))
	return [
		QueuedConversation(
			r.name,
			r.priority,
			waiting_since(r),
			*previous.get(r.client, (None, None)),
			responsible_operator=responsible.get(r.client),
			avoid_operator=r.unanswered_by,
			not_before=r.callback_due_at if r.kind == CALLBACK else None,
		)
		for r in rows
	]


def waiting_since(row):
	"""A callback request waits in the queue from its due time: a retry due in 30 minutes does not
	pass ahead of the chats that came in meanwhile."""
	if row.kind == CALLBACK and row.callback_due_at and row.callback_due_at > row.queued_at:
		return row.callback_due_at
	return row.queued_at


def operator_states(users: list[str], lock: bool = True) -> list[OperatorState]:
	"""Statuses and loads of the operators, locked until the transaction ends.

	Every path that gives an operator work locks the operator's row first, so an operator who is a
	member of several lines is never filled past slots by two distributions at once, and a status
	change waits for a running distribution (and then sees, and requeues, what it assigned).
	Locking reads also see the latest committed loads, not the transaction's older snapshot.
	"""
	if not users:
		return []
	rows = frappe.db.sql(
		f"""select name, status, slots, last_assigned_at from `tabIQC Operator`
		where name in %(users)s order by name {"for update" if lock else ""}""",
		{"users": users},
		as_dict=True,
	)
	loads = dict(
		frappe.db.sql(
			f"""select operator, count(*) from `tabIQC Conversation`
			where status='Open' and operator in %(users)s group by operator {"lock in share mode" if lock else ""}""",
			{"users": users},
		)
	)
	if settings.settings().calls_take_slots:
		# An operator on a call has one slot less for chats.
		for user in on_call_besides_callbacks(users):
			loads[user] = loads.get(user, 0) + 1
	default = settings.number("default_slots")
	return [
		OperatorState(r.name, r.status, r.slots or default, loads.get(r.name, 0), r.last_assigned_at)
		for r in rows
	]


def position_and_wait(conversation) -> dict | None:
	"""None unless the conversation is queued."""
	if conversation.status != "Queued":
		return None
	position = queue_position_of(conversation.name, conversation.line, now_datetime())
	if position is None:
		return None
	free, parallel = capacity(conversation.line)
	wait = estimated_wait(position, free, parallel, recent_handling_times(conversation.line))
	return {"position": position, "estimated_wait_seconds": int(wait.total_seconds())}


def queue_position_of(name, line: str, now) -> int | None:
	"""The conversation's place in its line's queue (1: next to be served) in the engine's order
	(engine.routing.queue_order: higher priority first, then the longest waiting, then the lowest
	number), counted by the database, so that telling a client their place reads one row however long
	the queue. Callback requests not yet due are nobody's turn: they are not counted ahead of anyone.
	None when the conversation does not wait in the line."""
	rows = frappe.db.sql(
		f"""select count(other.name) from `tabIQC Conversation` me
		left join `tabIQC Conversation` other on other.line = me.line and other.status = 'Queued'
			and other.name != me.name
			and (coalesce(other.kind, '') != %(callback)s or other.callback_due_at is null
				or other.callback_due_at <= %(now)s)
			and (other.priority > me.priority or (other.priority = me.priority
				and ({waiting_since_sql("other")} < {waiting_since_sql("me")}
					or ({waiting_since_sql("other")} = {waiting_since_sql("me")} and other.name < me.name))))
		where me.name = %(name)s and me.line = %(line)s and me.status = 'Queued'
		group by me.name""",
		{"name": name, "line": line, "callback": CALLBACK, "now": now},
	)
	return rows[0][0] + 1 if rows else None


def waiting_since_sql(table: str) -> str:
	"""`waiting_since` of a row of `table`, in SQL."""
	return f"""(case when {table}.kind = %(callback)s and {table}.callback_due_at > {table}.queued_at
		then {table}.callback_due_at else {table}.queued_at end)"""


def capacity(line: str) -> tuple[int, int]:
	"""Free slots of the line's Active operators, and all their slots."""
	# Telling a client where they stand must never wait for, or block, a running distribution.
	operators = operator_states(line_members(line), lock=False)
	active = [op for op in operators if op.status == "Active"]
	return sum(max(op.slots - op.load, 0) for op in active), sum(op.slots for op in active)


def all_busy_text(conversation, template: str) -> str | None:
	"""The all-busy autoreply with the client's place and wait filled in, if nobody can answer now."""
	free, _parallel = capacity(conversation.line)
	if free:
		return None
	info = position_and_wait(conversation)
	if not info:
		return None
	minutes = max(1, round(info["estimated_wait_seconds"] / 60))
	return template.replace("{position}", str(info["position"])).replace(
		"{wait}", _("{0} min").format(minutes)
	)


def recent_handling_times(line: str) -> list[timedelta]:
	rows = frappe.db.sql(
		"""select timestampdiff(second, assigned_at, closed_at) from `tabIQC Conversation`
		where line=%s and status='Closed' and assigned_at is not null and closed_at is not null
		order by closed_at desc limit %s""",
		(line, RECENT_HANDLED),
	)
	return [timedelta(seconds=seconds) for (seconds,) in rows if seconds is not None and seconds >= 0]
