"""What a waiting client can be told: their place in the line's queue and an estimated wait."""

from datetime import timedelta

import frappe
from frappe import _

from iqchannels.distribution import operator_states, queued_conversations
from iqchannels.engine.waiting import estimated_wait, queue_position
from iqchannels.operators import line_members

RECENT_HANDLED = 50


def position_and_wait(conversation) -> dict | None:
	"""None unless the conversation is queued."""
	if conversation.status != "Queued":
		return None
	queue = queued_conversations(conversation.line)
	position = queue_position(queue, conversation.name)
	if position is None:
		return None
	free, parallel = capacity(conversation.line)
	wait = estimated_wait(position, free, parallel, recent_handling_times(conversation.line))
	return {"position": position, "estimated_wait_seconds": int(wait.total_seconds())}


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
