"""What-if staffing: replay a period's real arrivals through the distribution engine with other staffing.

A discrete-event simulation. Events are arrivals, completions (assignment + the real handling time),
abandonments (arrival + the client's real patience, if still waiting), staffing changes (named
operators' Active periods, anonymous operators per hour) and the lines' working hours. After the events
of one instant, every line that may now assign something is distributed, highest line priority first,
by `plan_assignments` itself, with the line's queue and its Active members as the site passes them.

The figures of a replay and of the real period come from one function (`figures_of`), so a wait, the SLA
rule and the hour an arrival counts in mean the same on both sides. `Figures`, `Outcome` and
`ReplayResult` are imported from here with the rest.
"""

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from iqchannels.engine.hours import WorkingPeriod, is_working
from iqchannels.engine.model import DomainError
from iqchannels.engine.replay_figures import HOUR, Figures, Outcome, ReplayResult, figures_of, hour_of  # noqa: F401
from iqchannels.engine.routing import NEVER, OperatorState, QueuedConversation, StickyPolicy, plan_assignments

MAX_DAYS = 31
MAX_OPERATORS = 10_000
# Clients still waiting this long after the period are left unanswered rather than simulated for ever.
HORIZON = timedelta(days=7)
ACTIVE = "Active"
ANONYMOUS = "anonymous-{:05d}"

# What happens at one instant, in this order: slots free up, staffing and working hours change, clients
# arrive, clients who have waited their real patience leave; then the lines are distributed.
_DONE, _STAFF, _WORKING, _ARRIVE, _ABANDON = range(5)


@dataclass(frozen=True)
class Arrival:
	name: str
	line: str
	arrived_at: datetime
	handling: timedelta
	priority: int = 0
	patience: timedelta | None = None
	previous_operator: str | None = None
	previous_closed_at: datetime | None = None
	responsible_operator: str | None = None


@dataclass(frozen=True)
class OperatorShift:
	operator: str
	lines: tuple[str, ...]
	slots: int
	active: tuple[tuple[datetime, datetime], ...]


@dataclass(frozen=True)
class LineSetup:
	name: str
	first_response_target: timedelta
	working: tuple[WorkingPeriod, ...] = ()
	priority: int = 0


@dataclass(frozen=True)
class Staffing:
	shifts: tuple[OperatorShift, ...] = ()
	per_hour: Mapping[datetime, int] = field(default_factory=dict)
	slots: int = 3
	lines: tuple[str, ...] = ()


def real_figures(
	outcomes: Iterable[Outcome],
	lines: Iterable[LineSetup],
	start: datetime,
	end: datetime,
	busy_slot_seconds_by_hour: Mapping[datetime, float] | None = None,
	available_slot_seconds_by_hour: Mapping[datetime, float] | None = None,
) -> ReplayResult:
	"""The figures of what really happened, defined as the replay's are."""
	check_period(start, end)
	targets = {line.name: line.first_response_target for line in lines}
	return figures_of(
		outcomes, targets, start, end, busy_slot_seconds_by_hour or {}, available_slot_seconds_by_hour or {}
	)


def check_period(start: datetime, end: datetime) -> None:
	if end <= start:
		raise DomainError("invalid", "The period must end after it starts.")
	if end - start > timedelta(days=MAX_DAYS):
		raise DomainError("invalid", "At most {days} days can be replayed at once.", days=MAX_DAYS)


def check_staffing(staffing: Staffing) -> None:
	counts = list(staffing.per_hour.values())
	for count in counts:
		if not isinstance(count, int) or count < 0 or count > MAX_OPERATORS:
			raise DomainError(
				"invalid",
				"Operators per hour must be a whole number from 0 to {limit}, not {count}.",
				limit=MAX_OPERATORS,
				count=count,
			)
	if (counts and staffing.slots < 1) or any(shift.slots < 1 for shift in staffing.shifts):
		raise DomainError("invalid", "Every operator needs at least one slot.")
	if max(counts, default=0) + len(staffing.shifts) > MAX_OPERATORS:
		raise DomainError("invalid", "At most {limit} operators can be replayed.", limit=MAX_OPERATORS)


def replay(
	arrivals: Iterable[Arrival],
	staffing: Staffing,
	lines: Iterable[LineSetup],
	start: datetime,
	end: datetime,
	sticky: StickyPolicy | None = None,
) -> ReplayResult:
	"""What the period's arrivals (those from `start` to `end`) would have met with this staffing.

	Arrivals before `start` are replayed too (they may still wait or hold slots) but are not counted.
	Anonymous operators keep, after `end`, the number of the period's last hour, so that the last
	clients get answered; a client still waiting a week after `end` counts as unanswered.
	"""
	check_period(start, end)
	check_staffing(staffing)
	return _Replay(list(arrivals), staffing, list(lines), start, end, sticky or StickyPolicy()).run()


class _Operator:
	__slots__ = ("name", "slots", "lines", "active", "load", "last", "room")

	def __init__(self, name, slots, lines):
		self.name, self.slots, self.lines = name, slots, lines
		self.active = 0  # how many of the operator's Active periods are running
		self.load = 0
		self.last = None
		self.room = 0  # free slots while Active, as counted in the lines' `room`


class _Line:
	__slots__ = ("setup", "working", "queue", "waiting", "free", "room", "best", "members")

	def __init__(self, setup):
		self.setup = setup
		self.working = not setup.working
		self.queue = []  # heap of (-priority, arrived_at, name, index); entries no longer waiting are skipped
		self.waiting = 0
		self.free = {}  # Active members with a free slot, by name
		self.room = 0  # their free slots
		# Heap of least-loaded keys of free members; an entry is stale once the member's key changed.
		self.best = []
		self.members = []


def _least_loaded_key(op):
	return (op.load, op.last or NEVER, op.name)


class _Replay:
	def __init__(self, arrivals, staffing, lines, start, end, sticky, pruned=True):
		self.start, self.end, self.sticky, self.pruned = start, end, sticky, pruned
		self.lines = {setup.name: _Line(setup) for setup in lines}
		self.order = sorted(self.lines.values(), key=lambda line: (-line.setup.priority, line.setup.name))
		self.arrivals = [a for a in arrivals if a.arrived_at < end]
		self.index = {}
		for i, arrival in enumerate(self.arrivals):
			if arrival.line not in self.lines:
				raise DomainError("invalid", "The line {line} is not replayed.", line=arrival.line)
			if self.index.setdefault(arrival.name, i) != i:
				raise DomainError("invalid", "The conversation {name} arrives twice.", name=arrival.name)
		self.answered_at = [None] * len(self.arrivals)
		self.state = bytearray(len(self.arrivals))  # 0 not yet arrived, 1 waiting, 2 answered, 3 left
		self.queued = [None] * len(self.arrivals)
		self.events = []
		self.seq = 0
		self.active_load = self.active_slots = 0
		self.busy, self.available = {}, {}
		self.clock = None
		self.anonymous = []
		first = min([start] + [a.arrived_at for a in self.arrivals])
		self._staff(staffing, hour_of(first))
		self._working_hours(first)
		for i, arrival in enumerate(self.arrivals):
			self._push(arrival.arrived_at, _ARRIVE, i)
			if arrival.patience is not None:
				self._push(arrival.arrived_at + arrival.patience, _ABANDON, i)
		heapq.heapify(self.events)

	def _push(self, at, kind, payload):
		self.seq += 1
		self.events.append((at, kind, self.seq, payload))

	def _staff(self, staffing, first_hour):
		self.operators = []
		for shift in staffing.shifts:
			op = self._operator(shift.operator, shift.slots, shift.lines)
			for begin, finish in shift.active:
				if begin < finish:
					self._push(begin, _STAFF, (op, 1))
					self._push(finish, _STAFF, (op, -1))
		if not staffing.per_hour:
			return
		per_hour = {hour_of(at): count for at, count in staffing.per_hour.items()}
		served = staffing.lines or tuple(self.lines)
		self.anonymous = [
			self._operator(ANONYMOUS.format(i + 1), staffing.slots, served)
			for i in range(max(per_hour.values()))
		]
		hour = first_hour
		while hour < self.end:
			self._push(hour, _STAFF, per_hour.get(hour, 0))
			hour += HOUR

	def _operator(self, name, slots, lines):
		op = _Operator(name, slots, tuple(self.lines[n] for n in lines if n in self.lines))
		for line in op.lines:
			line.members.append(op)
		self.operators.append(op)
		return op

	def _working_hours(self, first):
		day = first.replace(hour=0, minute=0, second=0, microsecond=0)
		while day < self.end + HORIZON:
			for line in self.lines.values():
				for period in line.setup.working:
					for moment in (period.start, period.end):
						self._push(datetime.combine(day.date(), moment), _WORKING, line)
			day += timedelta(days=1)

	def run(self) -> ReplayResult:
		events, limit = self.events, self.end + HORIZON
		while events:
			now = events[0][0]
			if now > limit:
				break
			self._account(now)
			dirty = set()
			while events and events[0][0] == now:
				_at, kind, _seq, payload = heapq.heappop(events)
				self._handle(kind, payload, now, dirty)
			for line in self.order:
				if line in dirty and line.waiting and line.working:
					self._distribute(line, now)
		self.outcomes = [Outcome(a, self.answered_at[i]) for i, a in enumerate(self.arrivals)]
		targets = {name: line.setup.first_response_target for name, line in self.lines.items()}
		return figures_of(self.outcomes, targets, self.start, self.end, self.busy, self.available)

	def _handle(self, kind, payload, now, dirty):
		if kind == _DONE:
			op = payload
			self._set_load(op, op.load - 1)
			dirty.update(op.lines)
		elif kind == _STAFF:
			if isinstance(payload, int):
				for op in self._anonymous_on(payload):
					dirty.update(op.lines)
			else:
				op, change = payload
				if self._set_active(op, op.active + change):
					dirty.update(op.lines)
		elif kind == _WORKING:
			line = payload
			line.working = is_working(line.setup.working, now)
			dirty.add(line)
		elif kind == _ARRIVE:
			arrival = self.arrivals[payload]
			line = self.lines[arrival.line]
			self.state[payload] = 1
			self.queued[payload] = QueuedConversation(
				arrival.name,
				arrival.priority,
				arrival.arrived_at,
				arrival.previous_operator,
				arrival.previous_closed_at,
				arrival.responsible_operator,
			)
			heapq.heappush(line.queue, (-arrival.priority, arrival.arrived_at, arrival.name, payload))
			line.waiting += 1
			dirty.add(line)
		elif self.state[payload] == 1:  # _ABANDON of a client still waiting
			self.state[payload] = 3
			self.lines[self.arrivals[payload].line].waiting -= 1

	def _anonymous_on(self, count: int) -> list:
		"""Make `count` anonymous operators Active; returns those who just came on. Those on stay on;
		when fewer are needed, the busiest go off (they finish what they hold, as at a shift's end) and
		the free stay; when more are, the freest of the others come on."""
		on = [op for op in self.anonymous if op.active]
		off = [op for op in self.anonymous if not op.active]
		if count < len(on):
			keep = sorted(on, key=lambda op: (op.load, op.name))[:count]
		else:
			keep = on + sorted(off, key=lambda op: (op.load, op.name))[: count - len(on)]
		keep = set(map(id, keep))
		return [op for op in self.anonymous if self._set_active(op, 1 if id(op) in keep else 0)]

	def _set_active(self, op, active) -> bool:
		"""Returns whether the operator has just become Active."""
		was, op.active = op.active > 0, active
		now = active > 0
		if was != now:
			sign = 1 if now else -1
			self.active_load += sign * op.load
			self.active_slots += sign * op.slots
			self._refresh(op)
		return now and not was

	def _set_load(self, op, load):
		if op.active:
			self.active_load += load - op.load
		op.load = load
		self._refresh(op)

	def _refresh(self, op):
		room = op.slots - op.load if op.active and op.load < op.slots else 0
		change, op.room = room - op.room, room
		if room:
			key = _least_loaded_key(op)
			for line in op.lines:
				line.free[op.name] = op
				line.room += change
				heapq.heappush(line.best, key)
				if len(line.best) > 4 * len(line.members) + 64:
					line.best = [_least_loaded_key(member) for member in line.free.values()]
					heapq.heapify(line.best)
		else:
			for line in op.lines:
				line.free.pop(op.name, None)
				line.room += change

	def _distribute(self, line, now):
		if self.pruned and not self.sticky.over_slots:
			head, operators = self._pruned_inputs(line)
		else:
			head = [entry for entry in sorted(line.queue) if self.state[entry[3]] == 1]
			line.queue = []
			operators = [op for op in line.members if op.active]
		if not head:
			return
		states = [OperatorState(op.name, ACTIVE, op.slots, op.load, op.last) for op in operators]
		by_name = {op.name: op for op in operators}
		queued = self.queued
		for assignment in plan_assignments([queued[e[3]] for e in head], states, now, self.sticky):
			i = self.index[assignment.conversation]
			op = by_name[assignment.operator]
			self.state[i] = 2
			self.answered_at[i] = now
			self.lines[self.arrivals[i].line].waiting -= 1
			op.last = now
			self._set_load(op, op.load + 1)
			self.seq += 1
			heapq.heappush(self.events, (now + self.arrivals[i].handling, _DONE, self.seq, op))
		for entry in head:
			if self.state[entry[3]] == 1:
				heapq.heappush(line.queue, entry)

	def _pruned_inputs(self, line):
		"""The part of the queue and of the operators that decides the plan, without the rest.

		Without "sticky over slots" every conversation in queue order is assigned while any Active
		member has room, each taking one slot: so with R free slots exactly the first R waiting
		conversations are assigned. Least-loaded choices over K conversations only ever reach the K best
		operators by (load, last assignment, name), and a preferred (responsible or sticky) operator is
		only taken with room: so those K operators plus the preferred ones with room decide the plan as
		all members would. tests/test_replay.py checks this against the full inputs.
		"""
		free = line.free
		if not free:
			return [], []
		head, queue, state = [], line.queue, self.state
		while queue and len(head) < line.room:
			entry = heapq.heappop(queue)
			if state[entry[3]] == 1:
				head.append(entry)
		if len(free) <= len(head):
			return head, list(free.values())
		chosen, best, kept = set(), line.best, []
		while len(chosen) < len(head):
			key = heapq.heappop(best)
			op = free.get(key[2])
			if op is not None and op not in chosen and key == _least_loaded_key(op):
				chosen.add(op)
				kept.append(key)
		for key in kept:
			heapq.heappush(best, key)
		for entry in head:
			arrival = self.arrivals[entry[3]]
			for name in (arrival.responsible_operator, arrival.previous_operator):
				if name in free:
					chosen.add(free[name])
		return head, sorted(chosen, key=_least_loaded_key)

	def _account(self, now):
		"""Adds the Active slots and their load since the last event to the hours they fall in."""
		since, self.clock = self.clock, now
		if since is None or (not self.active_slots and not self.active_load):
			return
		begin, finish = max(since, self.start), min(now, self.end)
		while begin < finish:
			hour = hour_of(begin)
			stop = min(hour + HOUR, finish)
			seconds = (stop - begin).total_seconds()
			self.busy[hour] = self.busy.get(hour, 0.0) + seconds * self.active_load
			self.available[hour] = self.available.get(hour, 0.0) + seconds * self.active_slots
			begin = stop
