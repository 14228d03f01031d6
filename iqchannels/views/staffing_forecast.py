"""The coming week's staffing (layer: read models): the operators each hour needs by Erlang C from the same
weekdays of the last weeks, each day checked by replaying a past same weekday with that staffing."""

import statistics
from dataclasses import asdict
from datetime import date, datetime, time, timedelta

from frappe.utils import get_datetime, getdate

from iqchannels.engine.forecast import forecast_day
from iqchannels.engine.replay import Arrival, Staffing, replay
from iqchannels.records import settings
from iqchannels.records.exceptions import fail
from iqchannels.views.staffing import line_setups, outcomes, real_shifts, sticky_policy
from iqchannels.views.staffing_input import whole

MAX_WEEKS = 12
FORECAST_DAYS = 7


def forecast(lines: list[str], first: date, weeks) -> dict:
	"""The operators each hour of the 7 days from `first` needs, from the same weekdays of the last `weeks`
	weeks (Erlang C), each day checked by replaying its latest past weekday with that staffing."""
	count = whole(weeks)
	if count is None or not 1 <= count <= MAX_WEEKS:
		fail("invalid", "Weeks of history must be a whole number from 1 to {0}, not {1}.", MAX_WEEKS, weeks)
	weeks = count
	first = getdate(first)
	start = get_datetime(first) - timedelta(weeks=weeks)
	history = outcomes(lines, start, get_datetime(first) + timedelta(days=FORECAST_DAYS - 1))
	if not history:
		fail("invalid", "No conversation reached these lines in the {0} weeks before {1}.", weeks, first)
	setups = line_setups(lines)
	target = min(setup.first_response_target for setup in setups)
	shifts = real_shifts(lines, start, get_datetime(first), {})
	slots = (
		int(statistics.median_low([s.slots for s in shifts])) if shifts else settings.number("default_slots")
	)
	arrivals = [o.arrival for o in history]
	days = []
	for offset in range(FORECAST_DAYS):
		day_ = first + timedelta(days=offset)
		hours = forecast_day(
			[a for a in arrivals if a.arrived_at < get_datetime(day_)], day_, weeks, slots, target
		)
		days.append(
			{
				"date": day_,
				"hours": [asdict(h) | {"hour": h.start.hour} for h in hours],
				"operators": sum(h.operators for h in hours),
				"arrivals": round(sum(h.arrivals for h in hours), 1),
				"check": check(arrivals, setups, day_, hours, slots, lines),
			}
		)
	return {
		"lines": lines,
		"weeks": weeks,
		"slots": slots,
		"target_seconds": target.total_seconds(),
		"days": days,
	}


def check(arrivals: list[Arrival], setups, day_: date, hours, slots: int, lines: list[str]) -> dict | None:
	"""The forecast staffing replayed on the latest past same weekday that had conversations."""
	for weeks_back in range(1, MAX_WEEKS + 1):
		past = day_ - timedelta(weeks=weeks_back)
		start = datetime.combine(past, time())
		end = start + timedelta(days=1)
		that_day = [a for a in arrivals if start <= a.arrived_at < end]
		if that_day:
			per_hour = {start + timedelta(hours=h.start.hour): h.operators for h in hours}
			staffing = Staffing(per_hour=per_hour, slots=slots, lines=tuple(lines))
			total = replay(that_day, staffing, setups, start, end, sticky_policy()).total
			return {"date": past, "figures": asdict(total)}
	return None
