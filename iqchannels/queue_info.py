"""What a waiting client can be told: their place in the line's queue and an estimated wait."""

from datetime import timedelta

import frappe

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
	# Telling a client where they stand must never wait for, or block, a running distribution.
	operators = operator_states(line_members(conversation.line), lock=False)
	active = [op for op in operators if op.status == "Active"]
	free = sum(max(op.slots - op.load, 0) for op in active)
	parallel = sum(op.slots for op in active)
	wait = estimated_wait(position, free, parallel, recent_handling_times(conversation.line))
	return {"position": position, "estimated_wait_seconds": int(wait.total_seconds())}


def recent_handling_times(line: str) -> list[timedelta]:
	rows = frappe.db.sql(
		"""select timestampdiff(second, assigned_at, closed_at) from `tabIQC Conversation`
		where line=%s and status='Closed' and assigned_at is not null and closed_at is not null
		order by closed_at desc limit %s""",
		(line, RECENT_HANDLED),
	)
	return [timedelta(seconds=seconds) for (seconds,) in rows if seconds is not None and seconds >= 0]
