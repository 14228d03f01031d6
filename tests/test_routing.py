from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iqchannels.engine.model import DomainError
from iqchannels.engine.routing import (
	OperatorState,
	QueuedConversation,
	StickyPolicy,
	anyone_can_take,
	ensure_can_take,
	plan_assignments,
	queue_order,
)

T0 = datetime(2026, 2, 2, 9, 0)


def conv(name, priority=0, waited=0):
	return QueuedConversation(name, priority, T0 - timedelta(minutes=waited))


def test_least_loaded_then_longest_idle_then_name():
	operators = [
		OperatorState("bob", "Active", 5, load=1, last_assigned_at=T0),
		OperatorState("ann", "Active", 5, load=1, last_assigned_at=T0 - timedelta(hours=1)),
		OperatorState("cid", "Active", 5, load=3),
	]
	plan = plan_assignments([conv("1")], operators)
	assert [(a.conversation, a.operator) for a in plan] == [("1", "ann")]
	assert plan[0].reason == "least loaded 1/5 of 3 available"


def test_a_burst_spreads_evenly_and_stops_at_slots():
	operators = [OperatorState(n, "Active", 2, load=0) for n in ("a", "b", "c")]
	plan = plan_assignments([conv(str(i), waited=10 - i) for i in range(10)], operators)
	assert [a.operator for a in plan] == ["a", "b", "c", "a", "b", "c"]
	assert [a.conversation for a in plan] == ["0", "1", "2", "3", "4", "5"]


def test_only_active_operators_with_free_slots_get_work():
	operators = [
		OperatorState("away", "Away", 5, 0),
		OperatorState("break", "Break", 5, 0),
		OperatorState("full", "Active", 2, 2),
	]
	assert plan_assignments([conv("1")], operators) == []


def test_queue_order_is_priority_then_waiting_time():
	ordered = queue_order([conv("old", waited=30), conv("vip", priority=1000), conv("older", waited=60)])
	assert [c.name for c in ordered] == ["vip", "older", "old"]


def test_take_rules():
	ensure_can_take("Queued", "Active", load=0, slots=1, is_member=True)
	for args, kind in [
		(("Open", "Active", 0, 5, True), "conflict"),
		(("Queued", "Active", 0, 5, False), "forbidden"),
		(("Queued", "Break", 0, 5, True), "conflict"),
		(("Queued", "Active", 5, 5, True), "conflict"),
	]:
		with pytest.raises(DomainError) as error:
			ensure_can_take(*args)
		assert error.value.kind == kind


operator_states = st.builds(
	OperatorState,
	name=st.text("abcdefgh", min_size=1, max_size=4),
	status=st.sampled_from(["Active", "Away", "Break", "Offline"]),
	slots=st.integers(0, 6),
	load=st.integers(0, 7),
	last_assigned_at=st.none() | st.datetimes(min_value=T0 - timedelta(days=2), max_value=T0),
)
queues = st.lists(
	st.builds(
		QueuedConversation,
		name=st.uuids().map(str),
		priority=st.sampled_from([0, 1, 1000]),
		waiting_since=st.datetimes(min_value=T0 - timedelta(days=1), max_value=T0),
	),
	max_size=40,
	unique_by=lambda c: c.name,
)
operator_lists = st.lists(operator_states, max_size=12, unique_by=lambda o: o.name)


@settings(max_examples=300, deadline=None)
@given(queue=queues, operators=operator_lists)
def test_plan_invariants(queue, operators):
	plan = plan_assignments(queue, operators)
	by_name = {op.name: op for op in operators}
	given_to = {}
	for assignment in plan:
		op = by_name[assignment.operator]
		assert op.status == "Active"
		given_to[op.name] = given_to.get(op.name, 0) + 1
	# nobody above slots, and nobody who was already full gets anything
	for name, count in given_to.items():
		assert by_name[name].load + count <= by_name[name].slots
	# each conversation at most once, in queue order
	assigned = [a.conversation for a in plan]
	assert len(assigned) == len(set(assigned))
	assert assigned == [c.name for c in queue_order(queue)][: len(assigned)]
	# work is left waiting only when no Active operator has a free slot
	free = sum(max(0, op.slots - op.load) for op in operators if op.status == "Active")
	assert len(plan) == min(len(queue), free)
	# the same state gives the same decision, whatever order it arrives in
	assert plan_assignments(list(reversed(queue)), list(reversed(operators))) == plan


def test_nobody_can_take_when_everyone_is_away_or_full():
	away = [OperatorState("ann", "Away", 5, 0), OperatorState("bob", "Active", 2, 2)]
	assert not anyone_can_take(away)
	assert anyone_can_take(away, StickyPolicy(over_slots=True))  # Bob's sticky clients still reach him
	assert anyone_can_take([*away, OperatorState("cid", "Active", 2, 1)])
