"""Line working hours: whether a line works at a given moment."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class WorkingPeriod:
	weekday: str
	start: time
	end: time


def is_working(periods: Iterable[WorkingPeriod], moment: datetime) -> bool:
	"""A line without working hours works around the clock; otherwise `moment` must fall in a period."""
	periods = list(periods)
	if not periods:
		return True
	day = WEEKDAYS[moment.weekday()]
	now = moment.time()
	return any(p.weekday == day and p.start <= now < p.end for p in periods)
