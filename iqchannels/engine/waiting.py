"""What a waiting client can be told, and which assignments went unanswered too long."""

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from iqchannels.engine.routing import QueuedConversation, queue_order

# Without history, a conversation is assumed to take this long to handle.
DEFAULT_HANDLING = timedelta(minutes=5)


def queue_position(queue: Iterable[QueuedConversation], name: str) -> int | None:
	"""1 for the next conversation to be served; None when it is not in the queue."""
	for position, conversation in enumerate(queue_order(queue), start=1):
		if conversation.name == name:
			return position
	return None


def estimated_wait(
	position: int, free_slots: int, parallel: int, handling_times: Sequence[timedelta]
) -> timedelta:
	"""How long the conversation at `position` will wait.

	The first `free_slots` conversations are served at once; the rest wait for slots to free up, which
	happens, across `parallel` slots in use, at the pace of the median recent handling time.
	"""
	if position <= free_slots:
		return timedelta(0)
	typical = statistics.median(handling_times) if handling_times else DEFAULT_HANDLING
	rounds = -(-(position - free_slots) // max(parallel, 1))  # ceiling division
	return typical * rounds


@dataclass(frozen=True)
class AnswerState:
	name: str
	status: str
	assigned_at: datetime | None
	last_operator_message_at: datetime | None


def unanswered(conversations: Iterable[AnswerState], now: datetime, timeout: timedelta) -> list[str]:
	"""Open conversations whose operator has not written since the assignment for `timeout`."""
	if timeout <= timedelta(0):
		return []
	due = []
	for c in conversations:
		if c.status != "Open" or not c.assigned_at:
			continue
		answered = c.last_operator_message_at and c.last_operator_message_at >= c.assigned_at
		if not answered and now - c.assigned_at >= timeout:
			due.append(c.name)
	return due
