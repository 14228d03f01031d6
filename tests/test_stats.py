"""The reports' arithmetic: every instant counted once, percentiles by rank, SLA verdicts."""

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from iqchannels.engine.stats import StatusChange, percentile, sla_met, time_in_status

DAY = datetime(2026, 11, 10)


def at(hours: float, day: int = 0) -> datetime:
	return DAY + timedelta(days=day, hours=hours)


def test_a_working_day_split_by_status():
	changes = [
		StatusChange(at(9), "Offline", "Active"),
		StatusChange(at(12), "Active", "Break"),
		StatusChange(at(12.5), "Break", "Active"),
		StatusChange(at(18), "Active", "Offline"),
	]
	spent = time_in_status(changes, at(0), at(0, day=1), "Offline")
	assert spent == {
		(DAY.date(), "Offline"): 15 * 3600,
		(DAY.date(), "Active"): 8.5 * 3600,
		(DAY.date(), "Break"): 0.5 * 3600,
	}


def test_a_status_held_across_midnight_counts_on_both_days():
	changes = [StatusChange(at(22), "Offline", "Active"), StatusChange(at(2, day=1), "Active", "Offline")]
	spent = time_in_status(changes, at(20), at(4, day=1), "Offline")
	assert spent[(DAY.date(), "Active")] == 2 * 3600
	assert spent[(at(0, day=1).date(), "Active")] == 2 * 3600
	assert spent[(DAY.date(), "Offline")] == 2 * 3600


def test_changes_before_the_period_set_its_first_status():
	changes = [StatusChange(at(-5), "Offline", "Away"), StatusChange(at(1), "Away", "Active")]
	spent = time_in_status(changes, at(0), at(2), "Offline")
	assert spent == {(DAY.date(), "Away"): 3600, (DAY.date(), "Active"): 3600}


STATUSES = st.sampled_from(["Active", "Away", "Break", "Offline"])


@given(
	st.lists(st.tuples(st.integers(0, 72 * 60), STATUSES), max_size=30),
	st.integers(0, 24 * 60),
	st.integers(1, 72 * 60),
)
def test_every_instant_is_counted_once(moves, start_minute, length):
	moves.sort()
	changes, status = [], "Offline"
	for minute, new in moves:
		changes.append(StatusChange(DAY + timedelta(minutes=minute), status, new))
		status = new
	start = DAY + timedelta(minutes=start_minute)
	end = start + timedelta(minutes=length)
	spent = time_in_status(changes, start, end, "Offline")
	assert abs(sum(spent.values()) - length * 60) < 1e-6
	assert all(seconds > 0 for seconds in spent.values())


def test_percentile_by_nearest_rank():
	assert percentile([120, 720, 180], 0.9) == 720
	assert percentile([10 * i for i in range(1, 11)], 0.9) == 90
	assert percentile([5], 0.9) == 5
	assert percentile([], 0.9) is None


def test_sla_verdicts():
	target = timedelta(minutes=5)
	assert sla_met(at(10), at(10.05), target, at(11)) is True
	assert sla_met(at(10), at(10.2), target, at(11)) is False
	assert sla_met(at(10), None, target, at(10.05)) is None
	assert sla_met(at(10), None, target, at(11)) is False
