"""Distribution (layer: flows): load a line's state, let the engine plan, apply the plan safely.

A line is distributed by one process at a time: `distribute_line` locks the line's row for the length
of its transaction. A run's plan is written in a few statements (`apply_plan`): the assignments are
conditional writes, so a conversation taken meanwhile by hand is skipped, never assigned twice.
"""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import now_datetime

from iqchannels.engine.model import DomainError
from iqchannels.engine.routing import (
	Assignment,
	StickyPolicy,
	anyone_can_take,
	ensure_can_take,
	plan_assignments,
)
from iqchannels.engine.waiting import AnswerState, unanswered
from iqchannels.flows.lifecycle import CORE_FIELDS, assign, assigned_text, assignment_log_row, requeue
from iqchannels.records import realtime, settings, wakeups
from iqchannels.records.job_relay import relay
from iqchannels.records.lines import is_working_now
from iqchannels.records.operators import full_name, is_member, line_members, operator_doc, slots_of
from iqchannels.records.queue import has_queue, operator_states, queued_conversations
from iqchannels.records.rows import insert_rows

MANUAL = "manual take"
SUPERVISOR = "supervisor"


# Assignments written per statement: a burst of thousands stays within the server's packet size.
CHUNK = 500

# Passes one job makes before it leaves the next run to the queue, where other lines' runs take turns.
MAX_PASSES = 20


def run(line: str) -> list:
	"""The background job that distributes a line (enqueued by `wakeups`). While another run of the
	line is asked for during a pass, the job makes that run itself (see `wakeups.claim`); then it runs
	the jobs of this app waiting behind it (see job_relay)."""
	wakeups.started(line)
	assigned, passes = [], 0
	while True:
		# A fresh transaction, so that the queue is read as it is now, after every trigger that asked.
		frappe.db.commit()
		assigned += distribute_line(line, leave_successor=True)
		frappe.db.commit()
		passes += 1
		if passes == MAX_PASSES or not wakeups.claim(line):
			break
	relay(wakeups.QUEUE)
	return assigned


def lock_line(line: str) -> dict:
	row = frappe.db.sql(
		"select name, mode, enabled from `tabIQC Line` where name=%s for update", line, as_dict=True
	)
	return row[0] if row else None


def distribute_line(line: str, leave_successor: bool = False) -> list:
	"""Assign the line's queue in automatic mode. Returns the assignments made.

	`leave_successor`: before writing anything, make sure another run follows (see wakeups)."""
	state = lock_line(line)
	if not state or state.mode != "Automatic" or not state.enabled:
		return []
	now = now_datetime()
	if not is_working_now(line, now):
		return []  # outside working hours conversations wait; the client was told so
	if not has_queue(line):
		return []
	policy = StickyPolicy(
		window=timedelta(hours=settings.number("sticky_window_hours")),
		over_slots=bool(settings.settings().sticky_over_slots),
	)
	operators = operator_states(line_members(line))
	# With every operator away or full, a long queue (a night, a flood) is not read at each trigger.
	if not anyone_can_take(operators, policy):
		return []
	plan = plan_assignments(queued_conversations(line), operators, now=now, sticky=policy)
	if plan and leave_successor:
		wakeups.successor(line)
	return apply_plan(line, plan)


def apply_plan(line: str, plan: list[Assignment]) -> list[Assignment]:
	"""Write a run's plan in a few statements, whatever its size: a conditional update of the
	conversations (one taken meanwhile keeps its state and is left out), multi-row inserts of the
	assignment logs and the "assigned" remarks, one update of the operators' last-assignment times,
	and one event per person and room. Returns the assignments made."""
	now = now_datetime()
	made = []
	for start in range(0, len(plan), CHUNK):
		made += take_queued(plan[start : start + CHUNK], now)
	if not made:
		return []
	names = tuple(str(a.conversation) for a in made)
	conversations = {
		str(row.name): row
		for row in frappe.db.sql(
			f"select {', '.join(CORE_FIELDS)} from `tabIQC Conversation` where name in %s",
			[names],
			as_dict=True,
		)
	}
	frappe.db.sql(
		"update `tabIQC Operator` set last_assigned_at=%s where name in %s",
		(now, tuple({a.operator for a in made})),
	)
	insert_rows(
		"IQC Assignment Log",
		[assignment_log_row(conversations[str(a.conversation)], a, now, None) for a in made],
	)
	insert_rows("IQC Message", [assigned_remark(conversations[str(a.conversation)], a, now) for a in made])
	realtime.publish_assignments(
		line,
		[
			{
				"conversation": conversations[str(a.conversation)].name,
				"client": conversations[str(a.conversation)].client,
				"operator": a.operator,
				"reason": a.reason,
			}
			for a in made
		],
	)
	return made


def take_queued(plan: list[Assignment], now) -> list[Assignment]:
	"""Open the plan's conversations that are still queued, each with its operator, in one statement."""
	values = {"now": now, "names": tuple(str(a.conversation) for a in plan)}
	operators, reasons = [], []
	for i, a in enumerate(plan):
		values[f"n{i}"], values[f"o{i}"], values[f"r{i}"] = str(a.conversation), a.operator, a.reason
		operators.append(f"when %(n{i})s then %(o{i})s")
		reasons.append(f"when %(n{i})s then %(r{i})s")
	frappe.db.sql(
		f"""update `tabIQC Conversation`
		set status='Open', operator=case name {" ".join(operators)} end,
			assignment_reason=case name {" ".join(reasons)} end, assigned_at=%(now)s, modified=%(now)s
		where name in %(names)s and status='Queued'""",
		values,
	)
	if frappe.db._cursor.rowcount == len(plan):
		return plan
	taken = {
		str(name)
		for name in frappe.db.sql_list(
			"""select name from `tabIQC Conversation`
			where name in %(names)s and status='Open' and assigned_at=%(now)s""",
			values,
		)
	}
	return [a for a in plan if str(a.conversation) in taken]


def assigned_remark(conversation, decision: Assignment, now) -> dict:
	"""The history's "Assigned to" line, as add_system_message writes it."""
	return {
		"conversation": conversation.name,
		"client": conversation.client,
		"channel": conversation.channel,
		"author_type": "System",
		"kind": "Text",
		"internal": 1,
		"text": assigned_text(decision),
		"delivery_status": "Sent",
		"sent_at": now,
	}


def take(conversation, user: str) -> None:
	"""An operator takes a queued conversation; of two at once, one wins, the other hears why."""
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
	"""Scheduler safety net: every line with work due in its queue gets distributed; a callback
	request whose time has come is given out here, within a minute of its due time."""
	lines = frappe.db.sql_list(
		"""select distinct line from `tabIQC Conversation`
		where status='Queued' and (callback_due_at is null or callback_due_at <= %s)""",
		now_datetime(),
	)
	for line in lines:
		wakeups.request(line)


def requeue_unanswered() -> list[str]:
	"""Scheduler job: conversations whose operator did not answer within the line's no-answer timeout
	go back to the queue and are offered to someone else."""
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
			# A callback request is answered by a call, not by a message: it is not taken back.
			filters={
				"line": line,
				"status": "Open",
				"assigned_at": ["<=", now - timeout],
				"kind": ["!=", "Callback"],
			},
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
