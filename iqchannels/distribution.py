"""Distribution in the shell: load a line's state, let the engine plan, apply the plan safely.

A line is distributed by one process at a time: `distribute_line` locks the line's row for the length
of its transaction. Assignments are conditional writes, so a conversation taken meanwhile by hand is
skipped, never assigned twice.
"""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import now_datetime

from iqchannels import settings, wakeups
from iqchannels.engine.model import DomainError
from iqchannels.engine.routing import (
	Assignment,
	OperatorState,
	QueuedConversation,
	StickyPolicy,
	ensure_can_take,
	plan_assignments,
)
from iqchannels.engine.waiting import AnswerState, unanswered
from iqchannels.lines import is_working_now
from iqchannels.operators import full_name, line_members, operator_doc, slots_of

MANUAL = "manual take"
SUPERVISOR = "supervisor"


def run(line: str) -> list:
	"""The background job that distributes a line (enqueued by `wakeups`)."""
	wakeups.started(line)
	# A fresh transaction, so that the queue is read as it is now, after every trigger that asked.
	frappe.db.commit()
	return distribute_line(line, leave_successor=True)


def lock_line(line: str) -> dict:
	row = frappe.db.sql(
		"select name, mode, enabled from `tabIQC Line` where name=%s for update", line, as_dict=True
	)
	return row[0] if row else None


def distribute_line(line: str, leave_successor: bool = False) -> list:
	"""Assign the line's queue in automatic mode. Returns the assignments made.

	`leave_successor`: before writing anything, make sure another run follows (see wakeups)."""
	from iqchannels.conversations import assign

	state = lock_line(line)
	if not state or state.mode != "Automatic" or not state.enabled:
		return []
	now = now_datetime()
	if not is_working_now(line, now):
		return []  # outside working hours conversations wait; the client was told so
	queue = queued_conversations(line)
	if not queue:
		return []
	policy = StickyPolicy(
		window=timedelta(hours=settings.number("sticky_window_hours")),
		over_slots=bool(settings.settings().sticky_over_slots),
	)
	plan = plan_assignments(queue, operator_states(line_members(line)), now=now, sticky=policy)
	if plan and leave_successor:
		wakeups.successor(line)
	return [a for a in plan if assign(a.conversation, a.operator, a)]


def queued_conversations(line: str) -> list[QueuedConversation]:
	"""The line's queue, with what sticky routing needs: each client's responsible operator and the
	operator and close time of the client's last closed conversation."""
	rows = frappe.get_all(
		"IQC Conversation",
		filters={"line": line, "status": "Queued"},
		fields=["name", "priority", "queued_at", "client", "unanswered_by"],
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
			r.queued_at,
			*previous.get(r.client, (None, None)),
			responsible_operator=responsible.get(r.client),
			avoid_operator=r.unanswered_by,
		)
		for r in rows
	]


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
	default = settings.number("default_slots")
	return [
		OperatorState(r.name, r.status, r.slots or default, loads.get(r.name, 0), r.last_assigned_at)
		for r in rows
	]


def take(conversation, user: str) -> None:
	"""An operator takes a queued conversation; of two at once, one wins, the other hears why."""
	from iqchannels.conversations import assign
	from iqchannels.operators import is_member

	lock_line(conversation.line)
	status = frappe.db.get_value("IQC Conversation", conversation.name, "status")
	operator = operator_doc(user)
	[state] = operator_states([user])
	load, slots = state.load, slots_of(operator)
	ensure_can_take(status, operator.status, load, slots, is_member(user, conversation.line))
	decision = Assignment(conversation.name, user, MANUAL, load, slots, (user,))
	if not assign(conversation.name, user, decision, by=user):
		raise DomainError("conflict", "Someone else has already taken this conversation.")


def sweep() -> None:
	"""Scheduler safety net: every enabled automatic line with a queue gets distributed."""
	lines = frappe.get_all("IQC Conversation", filters={"status": "Queued"}, pluck="line", distinct=True)
	for line in lines:
		wakeups.request(line)


def requeue_unanswered() -> list[str]:
	"""Scheduler job: conversations whose operator did not answer within the line's no-answer timeout
	go back to the queue and are offered to someone else."""
	from iqchannels.conversations import requeue

	now = now_datetime()
	requeued = []
	for line, minutes in frappe.get_all(
		"IQC Line",
		filters={"enabled": 1, "no_answer_timeout_minutes": [">", 0]},
		fields=["name", "no_answer_timeout_minutes"],
		as_list=True,
	):
		timeout = timedelta(minutes=minutes)
		rows = frappe.get_all(
			"IQC Conversation",
			filters={"line": line, "status": "Open", "assigned_at": ["<=", now - timeout]},
			fields=["name", "status", "assigned_at", "last_operator_message_at", "operator"],
		)
		operators = {r.name: r.operator for r in rows}
		for name in unanswered(
			(AnswerState(**{k: r[k] for k in AnswerState.__annotations__}) for r in rows), now, timeout
		):
			frappe.db.set_value(
				"IQC Conversation", name, "unanswered_by", operators[name], update_modified=False
			)
			why = _("{0} did not answer within {1} min").format(full_name(operators[name]), minutes)
			if requeue(name, why):
				requeued.append(name)
	return requeued
