"""Staffing forecast: the operators each hour of a coming day needs, by Erlang C.

The model: clients arrive at random (Poisson) at the hour's average rate; every slot of an Active
operator is one server (an operator with 3 slots answers 3 conversations at once); a conversation holds
its slot for the hour's mean handling time; waiting clients are served first come, first served and
never give up. Erlang C gives the chance that a client has to wait at all, and from it the share
answered within the target. The real line differs (clients give up, priorities, sticky routing, an
operator's chats slow each other down, the rate changes within the hour): the replay checks a plan
against real arrivals.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from math import exp

from iqchannels.engine.model import DomainError

HOURS_PER_DAY = 24
MAX_WEEKS = 52


def erlang_c(servers: int, traffic: float) -> float:
	"""The probability that an arrival waits, with `servers` servers and `traffic` Erlangs offered."""
	if traffic <= 0:
		return 0.0
	if servers <= traffic:
		return 1.0
	blocked = _erlang_b(servers, traffic)
	return servers * blocked / (servers - traffic * (1 - blocked))


def _erlang_b(servers, traffic):
	# The recursion B(n) = A·B(n-1) / (n + A·B(n-1)) stays within 0..1, unlike the textbook sums.
	blocked = 1.0
	for n in range(1, servers + 1):
		blocked = traffic * blocked / (n + traffic * blocked)
	return blocked


def service_level(servers: int, traffic: float, handle_seconds: float, target_seconds: float) -> float:
	"""The share of arrivals answered within `target_seconds`."""
	if traffic <= 0:
		return 1.0
	if servers <= traffic:
		return 0.0
	return _level(erlang_c(servers, traffic), servers, traffic, handle_seconds, target_seconds)


def _level(waits, servers, traffic, handle_seconds, target_seconds):
	return max(0.0, 1.0 - waits * exp(-(servers - traffic) * target_seconds / handle_seconds))


def operators_needed(
	arrivals_per_hour: float,
	handle_seconds: float,
	slots: int,
	target_seconds: float,
	target_share: float = 0.8,
	max_operators: int = 10_000,
) -> int:
	"""The fewest operators, each with `slots` concurrent servers, who answer `target_share` of the
	arrivals within `target_seconds`. No arrivals need nobody; any arrival needs at least one."""
	_check(slots, target_share, target_seconds)
	if arrivals_per_hour < 0 or handle_seconds < 0:
		raise DomainError("invalid", "Arrivals and handling times cannot be negative.")
	if arrivals_per_hour == 0:
		return 0
	traffic = arrivals_per_hour * handle_seconds / 3600
	if traffic == 0:
		return 1
	# Erlang B for n servers from n-1, so each operator count costs only its own slots.
	blocked, servers = 1.0, 0
	for operators in range(1, max_operators + 1):
		while servers < operators * slots:
			servers += 1
			blocked = traffic * blocked / (servers + traffic * blocked)
		if servers <= traffic:
			continue
		waits = servers * blocked / (servers - traffic * (1 - blocked))
		if _level(waits, servers, traffic, handle_seconds, target_seconds) >= target_share:
			return operators
	raise DomainError("invalid", "More than {limit} operators an hour would be needed.", limit=max_operators)


def _check(slots, target_share, target_seconds):
	if slots < 1:
		raise DomainError("invalid", "Every operator needs at least one slot.")
	if not 0 < target_share < 1:
		raise DomainError("invalid", "The share answered within target must be above 0 and below 1.")
	if target_seconds < 0:
		raise DomainError("invalid", "The first-response target cannot be negative.")


@dataclass(frozen=True)
class HourForecast:
	start: datetime
	arrivals: float  # per hour, the average of the same hour on the same weekday of the past weeks
	handle_seconds: float
	operators: int
	service_level: float  # the share answered within target with that many operators, by the model


def forecast_day(
	history: Iterable["Arrival"],  # noqa: F821 (iqchannels.engine.replay.Arrival)
	day: date,
	weeks: int,
	slots: int,
	target: timedelta,
	target_share: float = 0.8,
) -> tuple[HourForecast, ...]:
	"""Operators needed in each hour of `day`, from the same weekday of the `weeks` weeks before it.

	Arrivals are averaged per hour over those days (a day without any counts as a quiet day). The
	handling time of an hour is the mean of the hour's answered conversations, or of all those days'
	when the hour has none; conversations the client gave up on have no handling time and are left out.
	"""
	if not 1 <= weeks <= MAX_WEEKS:
		raise DomainError("invalid", "The forecast looks back 1 to {limit} weeks.", limit=MAX_WEEKS)
	_check(slots, target_share, target.total_seconds())
	days = {day - timedelta(weeks=w) for w in range(1, weeks + 1)}
	counts = [0] * HOURS_PER_DAY
	handled = defaultdict(list)
	for arrival in history:
		if arrival.arrived_at.date() not in days:
			continue
		hour = arrival.arrived_at.hour
		counts[hour] += 1
		if arrival.patience is None:
			handled[hour].append(arrival.handling.total_seconds())
	every = [seconds for hour in handled.values() for seconds in hour]
	overall = sum(every) / len(every) if every else 0.0
	hours = []
	for hour in range(HOURS_PER_DAY):
		rate = counts[hour] / weeks
		handle = sum(handled[hour]) / len(handled[hour]) if handled[hour] else overall
		operators = operators_needed(rate, handle, slots, target.total_seconds(), target_share)
		traffic = rate * handle / 3600
		hours.append(
			HourForecast(
				start=datetime.combine(day, time(hour)),
				arrivals=rate,
				handle_seconds=handle,
				operators=operators,
				service_level=service_level(operators * slots, traffic, handle, target.total_seconds()),
			)
		)
	return tuple(hours)
