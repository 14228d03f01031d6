from datetime import datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iqchannels.engine.hours import WorkingPeriod
from iqchannels.engine.model import DomainError
from iqchannels.engine.replay import (
	Arrival,
	LineSetup,
	OperatorShift,
	Outcome,
	Staffing,
	_Replay,
	real_figures,
	replay,
)
from iqchannels.engine.routing import StickyPolicy

DAY = datetime(2026, 3, 2)  # a Monday
END = DAY + timedelta(days=1)
SUPPORT = LineSetup("support", timedelta(minutes=5))
SALES = LineSetup("sales", timedelta(minutes=5), priority=10)


def at(hour, minute=0, second=0):
	return DAY + timedelta(hours=hour, minutes=minute, seconds=second)


def arrival(name, hour, minute, handling_minutes, line="support", **extra):
	return Arrival(name, line, at(hour, minute), timedelta(minutes=handling_minutes), **extra)


def shift(name, begin, finish, slots=1, lines=("support",)):
	return OperatorShift(name, lines, slots, ((at(begin), at(finish)),))


def waits(arrivals, staffing, lines=(SUPPORT,), sticky=None):
	"""Each conversation's wait in the replay, in seconds (None: not answered)."""
	run = _Replay(list(arrivals), staffing, list(lines), DAY, END, sticky or StickyPolicy())
	run.run()
	return {
		o.arrival.name: None
		if o.answered_at is None
		else (o.answered_at - o.arrival.arrived_at).total_seconds()
		for o in run.outcomes
	}


def test_a_hand_made_morning_gives_the_hand_computed_waits():
	# Ann works 9-12 with two slots. c1, c2 go to her at once; c3 waits for c1 to end at 9:10;
	# c4 waits for c2 (9:12); c5 arrives at 9:20 to a free slot.
	day = [
		arrival("c1", 9, 0, 10),
		arrival("c2", 9, 2, 10),
		arrival("c3", 9, 4, 30),
		arrival("c4", 9, 5, 5),
		arrival("c5", 9, 20, 5),
	]
	staffing = Staffing(shifts=(shift("ann", 9, 12, slots=2),))
	result = replay(day, staffing, [SUPPORT], DAY, END)
	assert waits(day, staffing) == {
		"c1": 0,
		"c2": 0,
		"c3": 360,
		"c4": 420,
		"c5": 0,
	}
	nine = result.hours[9]
	assert (nine.offered, nine.answered, nine.abandoned) == (5, 5, 0)
	assert nine.wait_avg == pytest.approx((360 + 420) / 5)
	assert (nine.wait_p90, nine.wait_max) == (420, 420)
	assert nine.within_target == pytest.approx(3 / 5)  # c3 and c4 waited over the 5-minute target
	assert nine.queue_avg == pytest.approx((6 + 7) / 60)
	# Busy slot-minutes 10+10+30+5+5 = 60 of Ann's 2 slots x 60 minutes.
	assert nine.occupancy == pytest.approx(60 / 120)
	assert len(result.hours) == 24 and result.hours[3].offered == 0
	assert result.total.offered == 5 and result.total.occupancy == pytest.approx(60 / (2 * 180))


def test_a_client_gives_up_at_the_real_patience():
	day = [arrival("c1", 9, 0, 20), arrival("c2", 9, 1, 5, patience=timedelta(minutes=4))]
	staffing = Staffing(shifts=(shift("ann", 9, 12),))
	assert waits(day, staffing) == {"c1": 0, "c2": None}
	result = replay(day, staffing, [SUPPORT], DAY, END)
	assert (result.total.answered, result.total.abandoned) == (1, 1)
	assert result.hours[9].queue_avg == pytest.approx(4 / 60)
	# With a second operator the same client is answered at once and does not give up.
	two = Staffing(shifts=(shift("ann", 9, 12), shift("bob", 9, 12)))
	assert waits(day, two) == {"c1": 0, "c2": 0}


def test_anonymous_operators_per_hour_and_an_operator_leaving_keeps_the_conversation():
	day = [arrival("c1", 9, 50, 30), arrival("c2", 10, 5, 5), arrival("c3", 11, 0, 5)]
	# One anonymous operator with one slot 9-10, none at 10, one from 11: c1 stays with its operator
	# after 10:00, c2 waits for 11:00.
	staffing = Staffing(per_hour={at(9): 1, at(10): 0, at(11): 1}, slots=1)
	assert waits(day, staffing) == {"c1": 0, "c2": 55 * 60, "c3": 5 * 60}
	assert replay(day, staffing, [SUPPORT], DAY, END).hours[10].occupancy == 0


def test_clients_wait_for_the_line_to_open():
	line = LineSetup("support", timedelta(minutes=5), (WorkingPeriod("Monday", time(9), time(18)),))
	day = [arrival("early", 8, 30, 5), arrival("late", 18, 0, 5)]
	staffing = Staffing(shifts=(OperatorShift("ann", ("support",), 1, ((at(0), at(24)),)),))
	assert waits(day, staffing, lines=[line]) == {"early": 30 * 60, "late": None}


def test_the_higher_priority_line_and_client_go_first():
	day = [
		arrival("support-1", 9, 0, 10),
		arrival("sales-1", 9, 1, 10, line="sales"),
		arrival("support-2", 9, 0, 10),
		arrival("vip", 9, 2, 10, priority=100),
	]
	ann = OperatorShift("ann", ("support", "sales"), 1, ((at(9, 5), at(12)),))
	got = waits(day, Staffing(shifts=(ann,)), lines=[SUPPORT, SALES])
	# Sales first at 9:05, then the VIP, then support by arrival.
	assert got == {"sales-1": 4 * 60, "vip": 13 * 60, "support-1": 25 * 60, "support-2": 35 * 60}


def test_sticky_and_responsible_operators_as_the_site_routes():
	# Least-loaded alone would give "back" to Ann (all idle, first by name) and "own" to Cid (idle).
	day = [
		arrival("back", 9, 0, 10, previous_operator="bob", previous_closed_at=at(8)),
		arrival("own", 9, 1, 10, responsible_operator="bob"),
		arrival("new", 9, 2, 10),
	]
	staffing = Staffing(shifts=tuple(shift(n, 9, 12, slots=2) for n in ("ann", "bob", "cid")))
	run = _Replay(day, staffing, [SUPPORT], DAY, END, StickyPolicy())
	run.run()
	assert {op.name: (op.last, op.load) for op in run.operators} == {
		"ann": (at(9, 2), 0),
		"bob": (at(9, 1), 0),
		"cid": (None, 0),
	}
	# Past the sticky window the client goes to whoever is least loaded.
	run = _Replay(day, staffing, [SUPPORT], DAY, END, StickyPolicy(window=timedelta(minutes=30)))
	run.run()
	assert {op.name: op.last for op in run.operators} == {"ann": at(9), "bob": at(9, 1), "cid": at(9, 2)}


def test_the_real_figures_mean_what_the_replay_figures_mean():
	# The real morning went as the engine routes it: replaying it with its real staffing gives the same
	# figures, computed the same way from the real assignment times.
	day = [
		arrival("c1", 9, 0, 10),
		arrival("c2", 9, 2, 10),
		arrival("c3", 9, 4, 40),
		arrival("c4", 9, 55, 20, patience=timedelta(minutes=2)),
		arrival("c5", 10, 20, 5),
	]
	real = [
		Outcome(day[0], at(9)),
		Outcome(day[1], at(9, 10)),
		Outcome(day[2], at(9, 20)),
		Outcome(day[3], None),
		Outcome(day[4], at(10, 20)),
	]
	busy = {at(9): 60 * 60.0, at(10): 5 * 60.0}
	available = {at(9): 3600.0, at(10): 3600.0}
	real_day = real_figures(real, [SUPPORT], DAY, END, busy, available)
	replayed = replay(day, Staffing(shifts=(shift("ann", 9, 11),)), [SUPPORT], DAY, END)
	assert replayed == real_day
	assert real_day.hours[9].abandoned == 1 and real_day.hours[9].within_target == pytest.approx(1 / 4)


@pytest.mark.parametrize(
	("staffing", "start", "end"),
	[
		(Staffing(per_hour={DAY: 1}), DAY, DAY),
		(Staffing(per_hour={DAY: 1}), DAY, DAY - timedelta(hours=1)),
		(Staffing(per_hour={DAY: 1}), DAY, DAY + timedelta(days=31, seconds=1)),
		(Staffing(per_hour={DAY: -1}), DAY, END),
		(Staffing(per_hour={DAY: 10_001}), DAY, END),
		(Staffing(per_hour={DAY: 2}, slots=0), DAY, END),
		(Staffing(shifts=(shift("ann", 9, 10, slots=0),)), DAY, END),
	],
)
def test_bad_periods_and_staffing_are_refused(staffing, start, end):
	with pytest.raises(DomainError) as refused:
		replay([arrival("c1", 9, 0, 5)], staffing, [SUPPORT], start, end)
	assert refused.value.kind == "invalid"


def test_thirty_one_days_are_allowed():
	result = replay([], Staffing(), [SUPPORT], DAY, DAY + timedelta(days=31))
	assert len(result.hours) == 31 * 24 and result.total.offered == 0


day_of_arrivals = st.lists(
	st.tuples(st.integers(0, 6 * 3600), st.integers(1, 3600)), min_size=1, max_size=60
).map(
	lambda rows: [
		Arrival(f"c{i}", "support", at(8, 0, s), timedelta(seconds=h)) for i, (s, h) in enumerate(rows)
	]
)


@settings(max_examples=150, deadline=None)
@given(
	day_of_arrivals,
	st.lists(st.integers(0, 3), min_size=6, max_size=6),
	st.lists(st.integers(0, 2), min_size=6, max_size=6),
	st.integers(1, 3),
)
def test_more_operators_never_make_the_average_wait_longer(arrivals, base, extra, slots):
	def average_wait(counts):
		# From 14:00 on one operator answers whoever is left, the same in both.
		per_hour = {at(8 + h): n for h, n in enumerate(counts)} | {at(h): 1 for h in range(14, 24)}
		result = replay(arrivals, Staffing(per_hour=per_hour, slots=slots), [SUPPORT], DAY, END)
		assert result.total.answered == len(arrivals)
		return result.total.wait_avg

	more = [b + e for b, e in zip(base, extra, strict=True)]
	assert average_wait(more) <= average_wait(base) + 1e-9


@settings(max_examples=150, deadline=None)
@given(
	st.lists(
		st.tuples(
			st.integers(0, 4 * 3600),
			st.integers(1, 2400),
			st.sampled_from(["support", "sales"]),
			st.sampled_from([0, 0, 0, 5]),
			st.sampled_from([None, None, "ann", "bob", "cid", "dan"]),
			st.sampled_from([None, None, None, "bob", "dan"]),
			st.one_of(st.none(), st.integers(0, 1800)),
		),
		max_size=50,
	),
	st.lists(
		st.tuples(st.integers(0, 3), st.integers(1, 3), st.integers(0, 4), st.integers(1, 4)), max_size=4
	),
	st.integers(0, 3),
)
def test_the_replay_routes_as_plan_assignments_would_with_the_whole_queue_and_floor(rows, team, anonymous):
	"""The replay hands plan_assignments only the part of the queue and floor that decides; the result
	must be the one the whole queue and all Active members give."""
	names = ["ann", "bob", "cid", "dan"]
	arrivals = [
		Arrival(
			f"c{i}",
			line,
			at(8, 0, s),
			timedelta(seconds=h),
			priority,
			None if patience is None else timedelta(seconds=patience),
			previous,
			at(7) if previous else None,
			responsible,
		)
		for i, (s, h, line, priority, previous, responsible, patience) in enumerate(rows)
	]
	shifts = tuple(
		OperatorShift(
			names[who],
			(("support",), ("sales",), ("support", "sales"))[who % 3],
			slots,
			((at(8 + b), at(9 + b + length)),),
		)
		for who, slots, b, length in {t[0]: t for t in team}.values()
	)
	staffing = Staffing(shifts=shifts, per_hour={at(9): anonymous, at(10): 1}, slots=2, lines=("support",))
	lines = [SUPPORT, SALES]

	def outcomes(pruned):
		run = _Replay(arrivals, staffing, lines, DAY, END, StickyPolicy(), pruned=pruned)
		return run.run(), [(o.arrival.name, o.answered_at) for o in run.outcomes]

	assert outcomes(True) == outcomes(False)
