"""Who gets which queued conversation.

The choice is deterministic for a given state. A conversation goes first to the client's responsible
operator, then back to the operator of the client's previous conversation (sticky routing), when that
operator is Active and has room (or "sticky over slots" allows going over). Otherwise: least load first,
then the longest time since the operator's last assignment, then the operator's name. The queue is
served by priority, then by waiting time.
"""

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from iqchannels.engine.model import ConversationStatus, DomainError, OperatorStatus

# Operators never assigned before sort ahead of everyone who has been.
NEVER = datetime.min

LEAST_LOADED = "least loaded"
STICKY = "sticky to previous operator"
RESPONSIBLE = "responsible operator"


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
	# The operator of the client's last closed conversation and when it closed (sticky routing).
	previous_operator: str | None = None
	previous_closed_at: datetime | None = None
	responsible_operator: str | None = None
	# An operator who let this conversation go unanswered: it is offered to someone else.
	avoid_operator: str | None = None
	# A callback request waits until this time (the client's preferred time, the next attempt).
	not_before: datetime | None = None

	def is_due(self, now: datetime | None) -> bool:
		"""Without a `now`, an item with a due time is never taken to be due."""
		return self.not_before is None or (now is not None and self.not_before <= now)


@dataclass(frozen=True)
class StickyPolicy:
	window: timedelta = timedelta(hours=24)
	over_slots: bool = False


@dataclass(frozen=True)
class Assignment:
	conversation: str
	operator: str
	rule: str
	load_before: int
	slots: int
	# The chosen operator and the next best ones, as the supervisor's "why" shows them.
	candidates: tuple[str, ...] = field(default=())
	available: int = 1

	@property
	def over_slots(self) -> bool:
		return self.load_before >= self.slots

	@property
	def reason(self) -> str:
		load = f"{self.load_before}/{self.slots}"
		if self.rule == LEAST_LOADED:
			return f"least loaded {load} of {self.available} available"
		return f"{self.rule} ({load}{', over slots' if self.over_slots else ''})"


def is_eligible(operator: OperatorState) -> bool:
	return operator.status == OperatorStatus.ACTIVE and operator.load < operator.slots


def queue_order(queue: Iterable[QueuedConversation]) -> list[QueuedConversation]:
	return sorted(queue, key=lambda c: (-c.priority, c.waiting_since, c.name))


class _Floor:
	"""Loads of a line's operators while a plan is made, with a heap for the least-loaded choice.

	Heap entries go stale when an operator gets work out of heap order (sticky, responsible); a stale
	entry is recognised on pop by comparing it with the operator's current key, and skipped.
	"""

	def __init__(self, operators: Iterable[OperatorState]):
		self.ops = {op.name: op for op in operators}
		self.load = {name: op.load for name, op in self.ops.items()}
		# Recency key: (0, last assignment) before this plan, (1, n) for the n-th assignment in it,
		# later than any real time and the same for the same state.
		self.recency = {name: (0, op.last_assigned_at or NEVER) for name, op in self.ops.items()}
		self.heap = []
		self.given = 0
		for name in self.ops:
			self._push(name)
		self.available = sum(1 for name in self.ops if self._can_receive(name))

	def _can_receive(self, name):
		return self.ops[name].status == OperatorStatus.ACTIVE and self.has_room(name)

	def _key(self, name):
		return (self.load[name], self.recency[name], name)

	def _push(self, name):
		if self._can_receive(name):
			heapq.heappush(self.heap, self._key(name))

	def active(self, name: str | None) -> OperatorState | None:
		op = self.ops.get(name) if name else None
		return op if op and op.status == OperatorStatus.ACTIVE else None

	def has_room(self, name: str) -> bool:
		return self.load[name] < self.ops[name].slots

	def _pop_valid(self) -> str | None:
		while self.heap:
			key = heapq.heappop(self.heap)
			if key == self._key(key[2]) and self.has_room(key[2]):
				return key[2]
		return None

	def least_loaded(self, runners_up: int = 2) -> tuple[str, ...]:
		"""The least-loaded operator followed by the next best ones; empty when nobody has room."""
		best = []
		while len(best) <= runners_up and (name := self._pop_valid()) is not None:
			best.append(name)
		for name in best:
			heapq.heappush(self.heap, self._key(name))
		return tuple(best)

	def give(self, name: str) -> int:
		before = self.load[name]
		could_receive = self._can_receive(name)
		self.given += 1
		self.load[name] = before + 1
		self.recency[name] = (1, self.given)
		self._push(name)
		if could_receive and not self._can_receive(name):
			self.available -= 1
		return before


def anyone_can_take(operators: Iterable[OperatorState], sticky: StickyPolicy | None = None) -> bool:
	"""Whether `plan_assignments` could give these operators anything at all: only an Active operator
	takes conversations, and only with a free slot unless sticky routing may go over slots. When nobody
	can, the queue need not be read."""
	over_slots = (sticky or StickyPolicy()).over_slots
	return any(is_eligible(op) or (over_slots and op.status == OperatorStatus.ACTIVE) for op in operators)


def plan_assignments(
	queue: Iterable[QueuedConversation],
	operators: Iterable[OperatorState],
	now: datetime | None = None,
	sticky: StickyPolicy | None = None,
) -> list[Assignment]:
	"""Assign a line's queue to its operators (members of the line only), in queue order.

	Each assignment raises the operator's load and makes them the most recently assigned, so a burst
	spreads evenly. A conversation nobody can take is left waiting; later ones may still go to their
	sticky or responsible operator. An item not yet due (`not_before` after `now`) is left waiting.
	"""
	floor = _Floor(operators)
	sticky = sticky or StickyPolicy()
	plan = []
	for conversation in queue_order(c for c in queue if c.is_due(now)):
		preferred = _preferred(conversation, floor, now, sticky)
		available = floor.available
		if preferred:
			name, rule = preferred
			candidates = (name,)
		else:
			candidates = tuple(n for n in floor.least_loaded() if n != conversation.avoid_operator)
			if not candidates:
				continue
			name, rule = candidates[0], LEAST_LOADED
		slots = floor.ops[name].slots
		plan.append(Assignment(conversation.name, name, rule, floor.give(name), slots, candidates, available))
	return plan


def _preferred(conversation, floor, now, sticky) -> tuple[str, str] | None:
	if op := floor.active(conversation.responsible_operator):
		if op.name == conversation.avoid_operator:
			return None
		if floor.has_room(op.name) or sticky.over_slots:
			return op.name, RESPONSIBLE
	if (op := floor.active(conversation.previous_operator)) and op.name != conversation.avoid_operator:
		recent = (
			now is not None
			and conversation.previous_closed_at is not None
			and now - conversation.previous_closed_at <= sticky.window
		)
		if recent and (floor.has_room(op.name) or sticky.over_slots):
			return op.name, STICKY
	return None


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
