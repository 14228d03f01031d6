"""What-if staffing (layer: read models): a past period of some lines as it really went (arrivals, the staffing
that worked it, its figures), replayed by the engine with the real or another staffing.

The site keeps what the replay needs on each conversation (queued, assigned and closed times) and in the
operators' status log; nothing here writes.
"""

import bisect
import statistics
from collections import defaultdict
from dataclasses import asdict
from datetime import datetime, timedelta

import frappe
from frappe.utils import cint, get_time, now_datetime

from iqchannels.engine.hours import WorkingPeriod
from iqchannels.engine.replay import (
	Arrival,
	LineSetup,
	OperatorShift,
	Outcome,
	ReplayResult,
	Staffing,
	real_figures,
	replay,
)
from iqchannels.engine.routing import StickyPolicy
from iqchannels.records import settings
from iqchannels.records.exceptions import fail
from iqchannels.views.staffing_input import HOUR, Period, staffing_from


def outcomes(lines: list[str], start: datetime, end: datetime, now: datetime | None = None) -> list[Outcome]:
	"""Every conversation of the lines that entered a queue in [start, end), as an arrival with its real
	handling and patience, and when it was really answered (assigned)."""
	now = now or now_datetime()
	rows = frappe.db.sql(
		"""select c.name, c.line, c.client, c.priority, coalesce(c.queued_at, c.opened_at) as arrived_at,
			c.assigned_at, c.closed_at, client.responsible_operator
		from `tabIQC Conversation` c
		left join `tabIQC Client` client on client.name = c.client
		where c.line in %(lines)s and c.opened_at < %(end)s
			and coalesce(c.queued_at, c.opened_at) >= %(start)s and coalesce(c.queued_at, c.opened_at) < %(end)s
		order by arrived_at, c.name""",
		{"lines": lines, "start": start, "end": end},
		as_dict=True,
	)
	previous = previous_conversations({r.client for r in rows if r.client}, end)
	found = []
	for r in rows:
		answered = max(r.assigned_at, r.arrived_at) if r.assigned_at else None
		if answered:
			# Still open: it has held its slot until now.
			handling, patience = max((r.closed_at or now) - answered, timedelta(0)), None
		else:
			handling = timedelta(0)
			patience = max(r.closed_at - r.arrived_at, timedelta(0)) if r.closed_at else None
		operator, closed_at = last_before(previous.get(r.client), r.arrived_at)
		arrival = Arrival(
			name=str(r.name),
			line=r.line,
			arrived_at=r.arrived_at,
			handling=handling,
			priority=cint(r.priority),
			patience=patience,
			previous_operator=operator,
			previous_closed_at=closed_at,
			responsible_operator=r.responsible_operator or None,
		)
		found.append(Outcome(arrival=arrival, answered_at=answered))
	return found


def previous_conversations(clients: set, end: datetime) -> dict[str, list]:
	"""Each client's closed conversations with an operator, by close time: sticky routing's memory."""
	if not clients:
		return {}
	closed = defaultdict(list)
	for client, operator, closed_at in frappe.db.sql(
		"""select client, operator, closed_at from `tabIQC Conversation`
		where client in %(clients)s and status = 'Closed' and operator is not null and closed_at < %(end)s
		order by client, closed_at""",
		{"clients": sorted(clients), "end": end},
	):
		closed[client].append((closed_at, operator))
	return closed


def last_before(closed: list | None, moment: datetime) -> tuple[str | None, datetime | None]:
	if not closed:
		return None, None
	index = bisect.bisect_left(closed, (moment,)) - 1
	return (closed[index][1], closed[index][0]) if index >= 0 else (None, None)


def line_setups(lines: list[str]) -> list[LineSetup]:
	default = settings.number("sla_first_response_minutes")
	hours = defaultdict(list)
	for parent, weekday, start, end in frappe.db.sql(
		"""select parent, weekday, start_time, end_time from `tabIQC Line Working Hours`
		where parenttype = 'IQC Line' and parent in %(lines)s order by idx""",
		{"lines": lines},
	):
		hours[parent].append(WorkingPeriod(weekday, get_time(start), get_time(end)))
	return [
		LineSetup(
			name=row.name,
			first_response_target=timedelta(minutes=cint(row.first_response_target_minutes) or default),
			working=tuple(hours[row.name]),
			priority=cint(row.priority),
		)
		for row in frappe.get_all(
			"IQC Line",
			filters={"name": ["in", lines]},
			fields=["name", "priority", "first_response_target_minutes"],
			order_by="name",
		)
	]


def sticky_policy() -> StickyPolicy:
	return StickyPolicy(
		window=timedelta(hours=settings.number("sticky_window_hours")),
		over_slots=bool(settings.settings().sticky_over_slots),
	)


def real_shifts(lines: list[str], start: datetime, end: datetime, answered_by: dict) -> list[OperatorShift]:
	"""The operators who worked the lines in [start, end): the lines' members and whoever answered their
	conversations, each with the periods in which the status log shows them Active."""
	serves = defaultdict(set)
	for line, operator in frappe.db.sql(
		"""select parent, operator from `tabIQC Line Member`
		where parenttype = 'IQC Line' and parent in %(lines)s""",
		{"lines": lines},
	):
		serves[operator].add(line)
	for operator, answered in answered_by.items():
		serves[operator].update(answered)
	if not serves:
		return []
	operators = sorted(serves)
	info = {
		row.name: row
		for row in frappe.db.sql(
			"select name, status, slots from `tabIQC Operator` where name in %(ops)s",
			{"ops": operators},
			as_dict=True,
		)
	}
	before = dict(
		frappe.db.sql(
			"""select log.operator, log.to_status from `tabIQC Operator Status Log` log
			join (select operator, max(changed_at) as at from `tabIQC Operator Status Log`
				where operator in %(ops)s and changed_at < %(start)s group by operator) last
				on last.operator = log.operator and last.at = log.changed_at
			order by log.name""",
			{"ops": operators, "start": start},
		)
	)
	changes = defaultdict(list)
	for operator, old, new, at in frappe.db.sql(
		"""select operator, from_status, to_status, changed_at from `tabIQC Operator Status Log`
		where operator in %(ops)s and changed_at >= %(start)s and changed_at < %(end)s
		order by changed_at, name""",
		{"ops": operators, "start": start, "end": end},
	):
		changes[operator].append((at, old, new))
	default_slots = settings.number("default_slots")
	shifts = []
	for operator in operators:
		row = info.get(operator) or frappe._dict()
		logged = changes[operator]
		# The status at the start: the last change before it, else what the first change left, else now's.
		status = before.get(operator) or (logged[0][1] if logged and logged[0][1] else row.status)
		active = active_periods(status, logged, start, end)
		if active:
			slots = cint(row.slots) or default_slots
			shifts.append(OperatorShift(operator, tuple(sorted(serves[operator])), slots, active))
	return shifts


def active_periods(status: str | None, changes: list, start: datetime, end: datetime) -> tuple:
	periods, since = [], start if status == "Active" else None
	for at, _old, new in changes:
		if new == "Active" and since is None:
			since = at
		elif new != "Active" and since is not None:
			if at > since:
				periods.append((since, at))
			since = None
	if since is not None and end > since:
		periods.append((since, end))
	return tuple(periods)


def overlap_by_hour(begin: datetime, finish: datetime, into: dict, weight: float = 1.0) -> None:
	"""Add the seconds of [begin, finish) that fall in each hour, times `weight`, to `into`."""
	hour = begin.replace(minute=0, second=0, microsecond=0)
	while hour < finish:
		seconds = (min(finish, hour + HOUR) - max(begin, hour)).total_seconds()
		if seconds > 0:
			into[hour] = into.get(hour, 0.0) + seconds * weight
		hour += HOUR


class RealDay:
	"""A period of some lines as it really went."""

	def __init__(self, lines: list[str], period: Period):
		self.lines, self.period = lines, period
		self.outcomes = outcomes(lines, period.start, period.end)
		if not self.outcomes:
			fail(
				"invalid",
				"No conversation reached these lines from {0} to {1}: there is nothing to replay.",
				period.first,
				period.last,
			)
		self.setups = line_setups(lines)
		answered_by = defaultdict(set)
		for operator, line in frappe.db.sql(
			"""select distinct operator, line from `tabIQC Conversation`
			where line in %(lines)s and opened_at < %(end)s and operator is not null
				and coalesce(queued_at, opened_at) >= %(start)s and coalesce(queued_at, opened_at) < %(end)s""",
			{"lines": lines, "start": period.start, "end": period.end},
		):
			answered_by[operator].add(line)
		self.shifts = real_shifts(lines, period.start, period.end, answered_by)

	@property
	def arrivals(self) -> list[Arrival]:
		return [o.arrival for o in self.outcomes]

	def figures(self) -> ReplayResult:
		busy, available = {}, {}
		for o in self.outcomes:
			if o.answered_at:
				overlap_by_hour(o.answered_at, o.answered_at + o.arrival.handling, busy)
		for shift in self.shifts:
			for begin, finish in shift.active:
				overlap_by_hour(begin, finish, available, shift.slots)
		return real_figures(self.outcomes, self.setups, self.period.start, self.period.end, busy, available)

	def staffing(self) -> Staffing:
		return Staffing(
			shifts=tuple(self.shifts), per_hour={}, slots=self.typical_slots(), lines=tuple(self.lines)
		)

	def typical_slots(self) -> int:
		slots = [shift.slots for shift in self.shifts]
		return int(statistics.median_low(slots)) if slots else settings.number("default_slots")

	def active_by_hour(self) -> dict[datetime, float]:
		"""How many operators were Active in each hour, on average over the hour."""
		seconds = {}
		for shift in self.shifts:
			for begin, finish in shift.active:
				overlap_by_hour(begin, finish, seconds)
		return {hour: seconds.get(hour, 0.0) / HOUR.total_seconds() for hour in self.period.hours()}

	def replay(self, staffing: Staffing) -> ReplayResult:
		return replay(
			self.arrivals, staffing, self.setups, self.period.start, self.period.end, sticky_policy()
		)


def day(lines: list[str], period: Period) -> dict:
	"""The real period, its replay with the staffing that really worked it, and that staffing."""
	real = RealDay(lines, period)
	active = real.active_by_hour()
	return {
		"lines": lines,
		"start": period.start,
		"end": period.end,
		"conversations": len(real.outcomes),
		"real": as_dict(real.figures()),
		"replay": as_dict(real.replay(real.staffing())),
		"staffing": {
			"slots": real.typical_slots(),
			"hours": [
				{"start": hour, "hour": hour.hour, "active": round(value, 2), "operators": round(value)}
				for hour, value in active.items()
			],
			"shifts": [
				{
					"operator": shift.operator,
					"full_name": frappe.utils.get_fullname(shift.operator),
					"slots": shift.slots,
					"active": [list(period) for period in shift.active],
				}
				for shift in real.shifts
			],
		},
	}


def replay_with(lines: list[str], period: Period, spec) -> dict:
	real = RealDay(lines, period)
	staffing = staffing_from(spec, period, lines, real.typical_slots())
	return {
		"lines": lines,
		"start": period.start,
		"end": period.end,
		"replay": as_dict(real.replay(staffing)),
	}


def as_dict(result: ReplayResult) -> dict:
	return {
		"hours": [asdict(f) | {"hour": f.start.hour} for f in result.hours],
		"total": asdict(result.total),
	}
