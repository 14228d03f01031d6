"""The arithmetic of the reports: time in each status per day, percentiles, the SLA verdict."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from math import ceil

# Upper bounds, in seconds, of the waits the queue report tells apart; the last bucket is open.
WAIT_BUCKETS = (
	(60, "under 1 min"),
	(300, "1 to 5 min"),
	(900, "5 to 15 min"),
	(3600, "15 to 60 min"),
	(None, "over 1 hour"),
)


@dataclass(frozen=True)
class StatusChange:
	at: datetime
	old: str
	new: str


def time_in_status(
	changes: Sequence[StatusChange], start: datetime, end: datetime, initial: str
) -> dict[tuple[date, str], float]:
	"""Seconds spent in each status on each day between `start` and `end`.

	`changes` are one operator's, oldest first; `initial` is the status held at `start` (the last
	change before it, or Offline). Every instant of the period is counted in exactly one status.
	"""
	spent: dict[tuple[date, str], float] = defaultdict(float)
	status, since = initial, start
	for change in changes:
		if change.at <= start:
			status = change.new
			continue
		if change.at >= end:
			break
		add_by_day(spent, status, since, change.at)
		status, since = change.new, change.at
	add_by_day(spent, status, since, end)
	return dict(spent)


def add_by_day(spent: dict, status: str, begin: datetime, finish: datetime) -> None:
	while begin < finish:
		midnight = datetime.combine(begin.date() + timedelta(days=1), time())
		stop = min(midnight, finish)
		spent[(begin.date(), status)] += (stop - begin).total_seconds()
		begin = stop


def percentile(values: Iterable[float], share: float) -> float | None:
	"""The nearest-rank percentile: the smallest value at or above `share` of the values."""
	ordered = sorted(values)
	if not ordered:
		return None
	rank = max(1, ceil(share * len(ordered)))
	return ordered[rank - 1]


def sla_met(
	opened: datetime, first_response: datetime | None, target: timedelta, now: datetime
) -> bool | None:
	"""Met, breached, or None while the conversation may still make it (no answer yet, in time)."""
	if first_response is not None:
		return first_response - opened <= target
	return False if now - opened > target else None
