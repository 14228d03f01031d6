import math
import random
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iqchannels.engine.forecast import erlang_c, forecast_day, operators_needed, service_level
from iqchannels.engine.model import DomainError
from iqchannels.engine.replay import Arrival, LineSetup, Staffing, replay

MONDAY = date(2026, 3, 23)


def test_erlang_c_matches_the_textbook_values():
	assert erlang_c(12, 10.0) == pytest.approx(0.4494, abs=1e-4)
	# Three servers, two Erlangs: (8/6 * 3) / (1 + 2 + 2 + 4) = 4/9.
	assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
	assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: the server is busy half the time
	assert erlang_c(10, 10.0) == 1.0 and erlang_c(5, 0.0) == 0.0


def test_the_classic_call_centre_example():
	# 200 contacts an hour of 3 minutes (10 Erlangs), 80% answered within 20 seconds: 14 agents,
	# who answer 88.8%; 13 answer only 79.6%.
	assert operators_needed(200, 180, 1, 20) == 14
	assert service_level(14, 10.0, 180, 20) == pytest.approx(0.8884, abs=1e-4)
	assert service_level(13, 10.0, 180, 20) == pytest.approx(0.7956, abs=1e-4)


def test_slots_are_concurrent_servers():
	for arrivals in (30, 200, 950):
		servers = operators_needed(arrivals, 600, 1, 60)
		assert operators_needed(arrivals, 600, 3, 60) == math.ceil(servers / 3)
		assert operators_needed(arrivals, 600, 5, 60) == math.ceil(servers / 5)


def test_no_arrivals_need_nobody_and_any_arrival_needs_someone():
	assert operators_needed(0, 300, 3, 60) == 0
	assert operators_needed(0.1, 1, 5, 60) == 1


@settings(max_examples=200, deadline=None)
@given(
	st.floats(0, 2000),
	st.floats(0, 2000),
	st.floats(1, 3600),
	st.integers(1, 8),
	st.integers(0, 600),
	st.floats(0.5, 0.95),
)
def test_more_arrivals_never_need_fewer_operators(a, b, handle, slots, target, share):
	low, high = sorted((a, b))
	assert operators_needed(low, handle, slots, target, share) <= operators_needed(
		high, handle, slots, target, share
	)


@pytest.mark.parametrize(
	"args",
	[(10, 300, 0, 60), (10, 300, 3, 60, 1.0), (10, 300, 3, 60, 0), (-1, 300, 3, 60), (10, 300, 3, -5)],
)
def test_bad_inputs_are_refused(args):
	with pytest.raises(DomainError) as refused:
		operators_needed(*args)
	assert refused.value.kind == "invalid"


def test_an_impossible_load_is_refused_rather_than_capped():
	with pytest.raises(DomainError):
		operators_needed(1_000_000, 3600, 1, 20, max_operators=100)


def arrival(name, moment, handling_seconds, patience=None):
	return Arrival(name, "support", moment, timedelta(seconds=handling_seconds), patience=patience)


def test_a_day_is_forecast_from_the_same_weekday_of_the_past_weeks():
	history = []
	for week in (1, 2):
		monday = datetime.combine(MONDAY - timedelta(weeks=week), datetime.min.time())
		# 9:00 gets 60 and 120 conversations of 5 and 7 minutes; 10:00 gets 30 given-up ones each week.
		count, handling = (60, 300) if week == 1 else (120, 420)
		history += [
			arrival(f"w{week}-{i}", monday.replace(hour=9, minute=i % 60), handling) for i in range(count)
		]
		history += [
			arrival(f"w{week}-gone-{i}", monday.replace(hour=10, minute=i), 0, timedelta(minutes=1))
			for i in range(30)
		]
	# A Tuesday and a Monday three weeks back are not counted.
	history.append(arrival("tuesday", datetime(2026, 3, 17, 9), 100))
	history.append(arrival("old", datetime(2026, 3, 2, 9), 100))
	day = forecast_day(history, MONDAY, 2, 3, timedelta(minutes=1))
	assert len(day) == 24 and day[0].start == datetime(2026, 3, 23, 0)
	nine, ten = day[9], day[10]
	assert nine.arrivals == 90 and nine.handle_seconds == pytest.approx((60 * 300 + 120 * 420) / 180)
	assert nine.operators == operators_needed(90, nine.handle_seconds, 3, 60)
	assert nine.service_level >= 0.8
	# 10:00 had no answered conversation: the mean of the whole day stands in.
	assert ten.arrivals == 30 and ten.handle_seconds == nine.handle_seconds
	assert day[3].arrivals == 0 and day[3].operators == 0


def test_forecast_input_is_checked():
	with pytest.raises(DomainError):
		forecast_day([], MONDAY, 0, 3, timedelta(minutes=1))
	with pytest.raises(DomainError):
		forecast_day([], MONDAY, 4, 0, timedelta(minutes=1))


def test_the_replay_confirms_the_forecast():
	"""Random arrivals at the forecast's rates, replayed with the forecast's operators per hour, are
	answered within target about as often as the forecast promised."""
	rng = random.Random(5)
	rates = [0] * 8 + [120, 240, 360, 360, 300, 240, 180, 120] + [0] * 8
	handle, target, slots = 400.0, timedelta(seconds=60), 3
	hours = [operators_needed(rate, handle, slots, target.total_seconds()) for rate in rates]
	start = datetime.combine(MONDAY, datetime.min.time())
	arrivals, moment = [], start
	for hour, rate in enumerate(rates):
		moment = start + timedelta(hours=hour)
		while rate and (
			moment := moment + timedelta(seconds=rng.expovariate(rate / 3600))
		) < start + timedelta(hours=hour + 1):
			arrivals.append(arrival(f"c{len(arrivals)}", moment, rng.expovariate(1 / handle)))
	per_hour = {start + timedelta(hours=h): n for h, n in enumerate(hours)} | {start + timedelta(hours=16): 2}
	result = replay(
		arrivals,
		Staffing(per_hour=per_hour, slots=slots),
		[LineSetup("support", target)],
		start,
		start + timedelta(days=1),
	)
	share = result.total.within_target
	assert 0.75 <= share, f"the forecast promised 80% within 60 s, the replay answered {share:.1%}"
	assert result.total.answered == len(arrivals) > 1500
