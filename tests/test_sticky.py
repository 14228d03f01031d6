from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from iqchannels.engine.routing import (
	LEAST_LOADED,
	RESPONSIBLE,
	STICKY,
	OperatorState,
	QueuedConversation,
	StickyPolicy,
	anyone_can_take,
	plan_assignments,
)

NOW = datetime(2026, 4, 1, 12, 0)


def returning(name, previous, closed_hours_ago=1, responsible=None):
	return QueuedConversation(
		name, 0, NOW - timedelta(minutes=5), previous, NOW - timedelta(hours=closed_hours_ago), responsible
	)


def team(*, ann_load=0, bob_load=0, ann_status="Active"):
	return [OperatorState("ann", ann_status, 2, ann_load), OperatorState("bob", "Active", 2, bob_load)]


def test_a_returning_client_goes_back_to_the_previous_operator():
	plan = plan_assignments([returning("c1", "ann")], team(ann_load=1), now=NOW)
	assert (plan[0].operator, plan[0].rule) == ("ann", STICKY)
	assert plan[0].reason == "sticky to previous operator (1/2)"


def test_sticky_ends_with_the_window_or_when_the_operator_is_not_active():
	assert (
		plan_assignments([returning("c1", "ann", closed_hours_ago=25)], team(ann_load=1), now=NOW)[0].operator
		== "bob"
	)
	assert plan_assignments([returning("c1", "ann")], team(ann_status="Away"), now=NOW)[0].operator == "bob"


def test_a_full_previous_operator_gets_it_only_with_sticky_over_slots():
	full = team(ann_load=2, bob_load=1)
	assert plan_assignments([returning("c1", "ann")], full, now=NOW)[0].rule == LEAST_LOADED
	over = plan_assignments([returning("c1", "ann")], full, now=NOW, sticky=StickyPolicy(over_slots=True))[0]
	assert (over.operator, over.rule, over.over_slots) == ("ann", STICKY, True)
	assert over.reason.endswith("over slots)")


def test_the_responsible_operator_comes_first():
	plan = plan_assignments([returning("c1", "ann", responsible="bob")], team(bob_load=1), now=NOW)
	assert (plan[0].operator, plan[0].rule) == ("bob", RESPONSIBLE)


def test_least_loaded_records_the_runners_up_and_how_many_were_available():
	operators = [OperatorState(n, "Active", 5, load) for n, load in (("a", 2), ("b", 0), ("c", 1), ("d", 3))]
	plan = plan_assignments([QueuedConversation("c1", 0, NOW)], operators, now=NOW)
	assert plan[0].candidates == ("b", "c", "a")
	assert plan[0].available == 4


operators_st = st.lists(
	st.builds(
		OperatorState,
		name=st.sampled_from("abcdefgh"),
		status=st.sampled_from(["Active", "Away", "Break", "Offline"]),
		slots=st.integers(0, 4),
		load=st.integers(0, 5),
	),
	max_size=8,
	unique_by=lambda o: o.name,
)
queue_st = st.lists(
	st.builds(
		QueuedConversation,
		name=st.uuids().map(str),
		priority=st.sampled_from([0, 1000]),
		waiting_since=st.datetimes(min_value=NOW - timedelta(hours=3), max_value=NOW),
		previous_operator=st.none() | st.sampled_from("abcdefghz"),
		previous_closed_at=st.none() | st.datetimes(min_value=NOW - timedelta(hours=48), max_value=NOW),
		responsible_operator=st.none() | st.sampled_from("abcz"),
	),
	max_size=30,
	unique_by=lambda c: c.name,
)


@settings(max_examples=300, deadline=None)
@given(queue=queue_st, operators=operators_st, over_slots=st.booleans())
def test_invariants_with_sticky_and_responsible_routing(queue, operators, over_slots):
	policy = StickyPolicy(over_slots=over_slots)
	plan = plan_assignments(queue, operators, now=NOW, sticky=policy)
	by_name = {op.name: op for op in operators}
	load = {op.name: op.load for op in operators}
	for a in plan:
		op = by_name[a.operator]  # only the line's members
		assert op.status == "Active"
		assert a.load_before == load[op.name]
		if a.over_slots:
			# the only way above slots: a sticky or responsible choice with "over slots" on
			assert over_slots and a.rule in (STICKY, RESPONSIBLE)
		load[op.name] += 1
	assert len({a.conversation for a in plan}) == len(plan)
	assert plan == plan_assignments(list(reversed(queue)), list(reversed(operators)), now=NOW, sticky=policy)


def test_an_unanswered_conversation_goes_to_someone_else_or_waits():
	avoided = QueuedConversation(
		"c1", 0, NOW, previous_operator="ann", previous_closed_at=NOW, avoid_operator="ann"
	)
	assert plan_assignments([avoided], team(bob_load=1), now=NOW)[0].operator == "bob"
	alone = [OperatorState("ann", "Active", 5, 0)]
	assert plan_assignments([avoided], alone, now=NOW) == []


@settings(max_examples=300, deadline=None)
@given(queue=queue_st, operators=operators_st, over_slots=st.booleans())
def test_the_queue_is_skipped_only_when_nobody_could_take_from_it(queue, operators, over_slots):
	sticky = StickyPolicy(over_slots=over_slots)
	plan = plan_assignments(queue, operators, now=NOW, sticky=sticky)
	if not anyone_can_take(operators, sticky):
		assert plan == []
	elif queue and not over_slots:
		assert plan, "an Active operator with a free slot takes the first conversation"
