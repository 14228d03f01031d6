"""What a supervisor asks the staffing page for (layer: read models): the period, the lines and the staffing
to replay with, read from the request and checked, with a message a person understands when something is wrong."""

import math
from datetime import datetime, timedelta

import frappe
from frappe.utils import add_days, get_datetime

from iqchannels.engine.replay import OperatorShift, Staffing
from iqchannels.records.exceptions import fail
from iqchannels.records.inputs import date_argument, json_argument
from iqchannels.records.segments import may_see_line

MAX_DAYS = 31
# More operators than this in one hour is a typing error, not a plan.
MAX_OPERATORS = 10_000
HOUR = timedelta(hours=1)


class Period:
	"""Whole days from `first` to `last`, as [start, end)."""

	def __init__(self, first, last=None):
		if not first:
			fail("invalid", "Choose a day.")
		self.first = date_argument(first)
		self.last = date_argument(last) if last else self.first
		if self.last < self.first:
			fail("invalid", "The period starts after it ends.")
		days = (self.last - self.first).days + 1
		if days > MAX_DAYS:
			fail("invalid", "A period of at most {0} days can be replayed; this one has {1}.", MAX_DAYS, days)
		self.start = get_datetime(self.first)
		self.end = get_datetime(add_days(self.last, 1))

	@property
	def days(self) -> list[datetime]:
		return [self.start + timedelta(days=n) for n in range((self.end - self.start).days)]

	def hours(self) -> list[datetime]:
		return [self.start + n * HOUR for n in range(int((self.end - self.start) / HOUR))]


def existing_lines(lines) -> list[str]:
	"""The chosen lines, each once, each an existing line the user oversees."""
	if isinstance(lines, str):
		lines = json_argument(lines, "lines") if lines.strip().startswith("[") else lines.split(",")
	if not isinstance(lines, list | tuple):
		lines = [lines] if lines else []
	chosen = sorted({str(line).strip() for line in lines or [] if str(line).strip()})
	if not chosen:
		fail("invalid", "Choose at least one line.")
	known = set(frappe.get_all("IQC Line", filters={"name": ["in", chosen]}, pluck="name"))
	for line in chosen:
		if line not in known:
			fail("not_found", "There is no line {0}.", line)
		# A supervisor limited to segments plans and reads the figures of their segments' lines only.
		if not may_see_line(line):
			fail("forbidden", "Line {0} is outside your segments.", line)
	return chosen


def whole(value) -> int | None:
	"""`value` as a whole number, or None when it is not one."""
	try:
		number = float(value)
	except (TypeError, ValueError):
		return None
	return int(number) if math.isfinite(number) and number == int(number) else None


def operators_count(value, hour) -> int:
	count = whole(value)
	if count is None or not 0 <= count <= MAX_OPERATORS:
		fail(
			"invalid",
			"Operators at {0}:00 must be a whole number from 0 to {1}, not {2}.",
			hour,
			MAX_OPERATORS,
			value,
		)
	return count


def checked_slots(value) -> int:
	slots = whole(value)
	if slots is None or slots < 1:
		fail("invalid", "Slots must be a whole number of at least 1, not {0}.", value)
	return slots


def hour_of(key) -> int:
	hour = whole(str(key).split(":")[0])
	if hour is None or not 0 <= hour <= 23:
		fail("invalid", "An hour is a whole number from 0 to 23, not {0}.", key)
	return hour


def clock(value) -> timedelta | None:
	"""'09:30' as the time since midnight, '24:00' as the day's end; None when it is not a time."""
	parts = str(value or "").strip().split(":")
	hours, minutes = whole(parts[0]), whole(parts[1]) if len(parts) > 1 else 0
	if hours is None or minutes is None or not (0 <= hours <= 24 and 0 <= minutes < 60):
		return None
	return None if hours == 24 and minutes else timedelta(hours=hours, minutes=minutes)


def per_hour_of(per_hour) -> dict[int, int]:
	per_hour = json_argument(per_hour, "per_hour")
	if isinstance(per_hour, list):
		per_hour = dict(enumerate(per_hour))
	if not isinstance(per_hour, dict):
		per_hour = {}
	return {hour_of(key): operators_count(value, key) for key, value in per_hour.items()}


def staffing_from(spec, period: Period, lines: list[str], default_slots: int) -> Staffing:
	"""{"per_hour": {"9": 4, ...}, "slots": 3} and/or {"shifts": [{"operator", "from", "to", "slots"}]}: the
	operators per hour of each day of the period, and named operators working from-to each day."""
	spec = json_argument(spec, "staffing") or {}
	if not isinstance(spec, dict):
		fail("invalid", "Send the staffing as an object.")
	spec = frappe._dict(spec)
	slots = checked_slots(spec.slots if spec.slots not in (None, "") else default_slots)
	per_hour = {
		day + timedelta(hours=hour): count
		for hour, count in per_hour_of(spec.per_hour).items()
		for day in period.days
	}
	shifts, names = [], set()
	for number, row in enumerate(spec.shifts or [], start=1):
		row = frappe._dict(row)
		name = str(row.operator or "").strip() or f"#{number}"
		if name in names:
			fail("invalid", "{0} is listed twice among the named operators.", name)
		names.add(name)
		begin, finish = clock(row.get("from")), clock(row.get("to"))
		if begin is None or finish is None or finish <= begin:
			fail(
				"invalid",
				"{0} works from {1} to {2}: give times like 09:00 and 17:00, the first before the second.",
				name,
				row.get("from"),
				row.get("to"),
			)
		own_slots = checked_slots(row.slots) if row.slots not in (None, "") else slots
		active = tuple((day + begin, day + finish) for day in period.days)
		shifts.append(OperatorShift(name, tuple(lines), own_slots, active))
	if not per_hour and not shifts:
		fail("invalid", "Give the operators per hour or at least one named operator.")
	return Staffing(shifts=tuple(shifts), per_hour=per_hour, slots=slots, lines=tuple(lines))
