"""The figures of a period, real or replayed, by the hour and in total (offered, answered, waits, SLA).

One definition for both sides: a conversation counts in the hour it arrived; its wait runs from its
arrival to its assignment; it is within target when assigned no later than its line's first-response
target after arriving; it waits in the queue from its arrival until it is assigned, gives up, or the
period ends.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from iqchannels.engine.stats import percentile

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Figures:
	start: datetime | None  # the hour; None for the whole period
	offered: int
	answered: int
	abandoned: int
	wait_avg: float  # seconds, over answered conversations; 0 when none was answered
	wait_p90: float
	wait_max: float
	within_target: float  # share (0..1) of offered answered within their line's target; 0 when none offered
	occupancy: float  # busy slot-seconds / available slot-seconds of Active operators (0..1)
	queue_avg: float  # average number waiting over the hour


@dataclass(frozen=True)
class ReplayResult:
	hours: tuple[Figures, ...]  # one per hour from start to end, hours without arrivals included
	total: Figures


@dataclass(frozen=True)
class Outcome:
	arrival: "Arrival"  # noqa: F821 (iqchannels.engine.replay.Arrival)
	answered_at: datetime | None  # assigned at; None: abandoned or never assigned


def hour_of(moment: datetime) -> datetime:
	return moment.replace(minute=0, second=0, microsecond=0)


class _Tally:
	__slots__ = ("offered", "answered", "abandoned", "waits", "within", "queued_seconds")

	def __init__(self):
		self.offered = self.answered = self.abandoned = self.within = 0
		self.waits = []
		self.queued_seconds = 0.0

	def add(self, other):
		self.offered += other.offered
		self.answered += other.answered
		self.abandoned += other.abandoned
		self.within += other.within
		self.waits += other.waits
		self.queued_seconds += other.queued_seconds

	def figures(self, start, busy, available, seconds) -> Figures:
		waits = self.waits
		return Figures(
			start=start,
			offered=self.offered,
			answered=self.answered,
			abandoned=self.abandoned,
			wait_avg=sum(waits) / len(waits) if waits else 0.0,
			wait_p90=percentile(waits, 0.9) or 0.0,
			wait_max=max(waits, default=0.0),
			within_target=self.within / self.offered if self.offered else 0.0,
			occupancy=min(1.0, busy / available) if available > 0 else 0.0,
			queue_avg=self.queued_seconds / seconds if seconds > 0 else 0.0,
		)


def figures_of(
	outcomes: Iterable[Outcome],
	targets: Mapping[str, timedelta],
	start: datetime,
	end: datetime,
	busy_by_hour: Mapping[datetime, float],
	available_by_hour: Mapping[datetime, float],
) -> ReplayResult:
	"""Figures per hour of [start, end) and for the whole of it. `targets`: first-response target by line;
	`busy_by_hour` and `available_by_hour`: slot-seconds of Active operators, by hour start."""
	first = hour_of(start)
	hours = []
	hour = first
	while hour < end:
		hours.append(hour)
		hour += HOUR
	tallies = [_Tally() for _ in hours]
	for outcome in outcomes:
		arrival, answered_at = outcome.arrival, outcome.answered_at
		arrived = arrival.arrived_at
		if answered_at is not None:
			left = answered_at
		elif arrival.patience is not None:
			left = arrived + arrival.patience
		else:
			left = end
		_add_queued(tallies, first, max(arrived, start), min(left, end))
		if not start <= arrived < end:
			continue
		tally = tallies[(arrived - first) // HOUR]
		tally.offered += 1
		if answered_at is not None:
			wait = answered_at - arrived
			tally.answered += 1
			tally.waits.append(wait.total_seconds())
			tally.within += wait <= targets[arrival.line]
		elif arrival.patience is not None:
			tally.abandoned += 1
	per_hour, total = [], _Tally()
	for hour, tally in zip(hours, tallies, strict=True):
		seconds = (min(hour + HOUR, end) - max(hour, start)).total_seconds()
		per_hour.append(
			tally.figures(hour, busy_by_hour.get(hour, 0.0), available_by_hour.get(hour, 0.0), seconds)
		)
		total.add(tally)
	return ReplayResult(
		tuple(per_hour),
		total.figures(
			None,
			sum(busy_by_hour.get(hour, 0.0) for hour in hours),
			sum(available_by_hour.get(hour, 0.0) for hour in hours),
			(end - start).total_seconds(),
		),
	)


def _add_queued(tallies, first, begin, finish):
	while begin < finish:
		index = (begin - first) // HOUR
		stop = min(first + (index + 1) * HOUR, finish)
		tallies[index].queued_seconds += (stop - begin).total_seconds()
		begin = stop
