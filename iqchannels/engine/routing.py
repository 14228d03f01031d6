"""Who gets which queued conversation.

The choice is deterministic for a given state: least load first, then the longest time since the
operator's last assignment, then the operator's name. The queue is served by priority, then by
waiting time.
"""

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from iqchannels.engine.model import ConversationStatus, DomainError, OperatorStatus

# Operators never assigned before sort ahead of everyone who has been.
NEVER = datetime.min


@dataclass(frozen=True)
class OperatorState:
	name: str
	status: str
	slots: int
	load: int
	last_assigned_at: datetime | None = None


@dataclass(frozen=True)
class QueuedConversation:
	name: str
	priority: int
	waiting_since: datetime


@dataclass(frozen=True)
class Assignment:
	conversation: str
	operator: str
	load_before: int
	slots: int
	candidates: int

	@property
	def reason(self) -> str:
		return f"least loaded {self.load_before}/{self.slots} of {self.candidates} available"


def is_eligible(operator: OperatorState) -> bool:
	return operator.status == OperatorStatus.ACTIVE and operator.load < operator.slots


def queue_order(queue: Iterable[QueuedConversation]) -> list[QueuedConversation]:
	return sorted(queue, key=lambda c: (-c.priority, c.waiting_since, c.name))


def plan_assignments(
	queue: Iterable[QueuedConversation], operators: Iterable[OperatorState]
) -> list[Assignment]:
	"""Assign a line's queue to its operators (members of the line only), in queue order.

	Each assignment raises the operator's load and makes them the most recently assigned, so a burst
	spreads evenly; the plan stops when nobody has a free slot.
	"""
	# The recency key is (0, last assignment time) before this plan and (1, n) for the n-th
	# assignment within it: later than any real time, and the same plan for the same state.
	heap = [(op.load, (0, op.last_assigned_at or NEVER), op.name, op) for op in operators if is_eligible(op)]
	heapq.heapify(heap)
	plan = []
	for conversation in queue_order(queue):
		if not heap:
			break
		load, _, name, op = heapq.heappop(heap)
		plan.append(Assignment(conversation.name, name, load, op.slots, candidates=len(heap) + 1))
		if load + 1 < op.slots:
			heapq.heappush(heap, (load + 1, (1, len(plan)), name, op))
	return plan


def ensure_can_take(status: str, operator_status: str, load: int, slots: int, is_member: bool) -> None:
	"""An operator takes a queued conversation of one of their lines, with a free slot."""
	if status != ConversationStatus.QUEUED:
		raise DomainError("conflict", "Someone else has already taken this conversation.")
	if not is_member:
		raise DomainError("forbidden", "This conversation waits in a line you are not a member of.")
	if operator_status not in (OperatorStatus.ACTIVE, OperatorStatus.AWAY):
		raise DomainError("conflict", "Set your status to Active to take conversations.")
	if load >= slots:
		raise DomainError(
			"conflict", "All your {slots} slots are busy: close a conversation first.", slots=slots
		)
