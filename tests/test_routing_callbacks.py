"""Callback requests share the queue with chats: nothing is given out before it is due, and the rules
of the queue (slots, priority, waiting time, sticky and responsible operators) hold for both."""

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from iqchannels.engine.routing import (
	RESPONSIBLE,
	OperatorState,
	QueuedConversation,
	StickyPolicy,
	plan_assignments,
	queue_order,
)

NOW = datetime(2026, 11, 24, 12, 0)


def due_at(item, moment):
	"""Due, as the tests read it, independently of the engine's own check."""
	return item.not_before is None or item.not_before <= moment


def chat(name, priority=0, waited=0):
	return QueuedConversation(name, priority, NOW - timedelta(minutes=waited))


def callback(name, due_in, priority=0, waited=0, responsible=None):
	return QueuedConversation(
		name,
		priority,
		NOW - timedelta(minutes=waited),
		responsible_operator=responsible,
		not_before=NOW + timedelta(minutes=due_in),
	)


def test_a_callback_waits_for_its_time_and_then_takes_its_turn():
	team = [OperatorState("ann", "Active", 3, 0)]
	later = callback("later", due_in=30, waited=60)
	assert plan_assignments([later], team, now=NOW) == []
	assert [a.conversation for a in plan_assignments([later], team, now=NOW + timedelta(minutes=30))] == [
		"later"
	]


def test_a_due_callback_is_served_in_queue_order_among_chats():
	team = [OperatorState("ann", "Active", 2, 0)]
	queue = [chat("new chat", waited=1), callback("due", due_in=-5, waited=10), chat("vip", priority=1000)]
	plan = plan_assignments(queue, team, now=NOW)
	assert [a.conversation for a in plan] == ["vip", "due"]


def test_a_callback_not_yet_due_keeps_no_one_from_the_chats_behind_it():
	team = [OperatorState("ann", "Active", 1, 0)]
	plan = plan_assignments([callback("later", due_in=10, priority=1000), chat("chat")], team, now=NOW)
	assert [a.conversation for a in plan] == ["chat"]


def test_without_a_time_nothing_with_a_due_time_is_given_out():
	team = [OperatorState("ann", "Active", 3, 0)]
	assert plan_assignments([callback("past", due_in=-60), chat("chat")], team) != []
	assert [a.conversation for a in plan_assignments([callback("past", due_in=-60)], team)] == []


def test_a_responsible_operator_gets_a_due_callback_but_not_an_early_one():
	team = [OperatorState("ann", "Active", 3, 0), OperatorState("bob", "Active", 3, 0)]
	early = callback("early", due_in=5, responsible="bob")
	due = callback("due", due_in=0, responsible="bob")
	plan = plan_assignments([early, due], team, now=NOW)
	assert [(a.conversation, a.operator, a.rule) for a in plan] == [("due", "bob", RESPONSIBLE)]


def test_an_operator_on_a_call_counts_it_in_their_load():
	# The shell adds the call to the operator's load when calls take slots: the engine sees a fuller operator.
	on_call = OperatorState("ann", "Active", 2, load=1 + 1)
	free = OperatorState("bob", "Active", 2, load=1)
	plan = plan_assignments([chat("1"), chat("2", waited=1)], [on_call, free], now=NOW)
	assert [a.operator for a in plan] == ["bob"]


operators = st.lists(
	st.builds(
		OperatorState,
		name=st.sampled_from(["ann", "bob", "cid", "dan", "eve", "fay"]),
		status=st.sampled_from(["Active", "Active", "Away", "Break", "Offline"]),
		slots=st.integers(0, 5),
		load=st.integers(0, 6),
		last_assigned_at=st.none() | st.datetimes(min_value=NOW - timedelta(days=1), max_value=NOW),
	),
	max_size=6,
	unique_by=lambda o: o.name,
)
someone = st.none() | st.sampled_from(["ann", "bob", "cid", "zed"])
items = st.lists(
	st.builds(
		QueuedConversation,
		name=st.uuids().map(str),
		priority=st.sampled_from([0, 1, 1000]),
		waiting_since=st.datetimes(min_value=NOW - timedelta(hours=6), max_value=NOW),
		previous_operator=someone,
		previous_closed_at=st.none() | st.datetimes(min_value=NOW - timedelta(hours=48), max_value=NOW),
		responsible_operator=someone,
		avoid_operator=someone,
		# Chats have no due time; callbacks are due in the past, now, or later.
		not_before=st.none() | st.integers(-120, 120).map(lambda minutes: NOW + timedelta(minutes=minutes)),
	),
	max_size=40,
	unique_by=lambda c: c.name,
)


@settings(max_examples=400, deadline=None)
@given(queue=items, team=operators, over_slots=st.booleans())
def test_mixed_queue_invariants(queue, team, over_slots):
	policy = StickyPolicy(window=timedelta(hours=24), over_slots=over_slots)
	plan = plan_assignments(queue, team, now=NOW, sticky=policy)
	by_name = {c.name: c for c in queue}
	ops = {op.name: op for op in team}
	# nothing before it is due, each item at most once, only to Active operators
	assert all(due_at(by_name[a.conversation], NOW) for a in plan)
	assert len({a.conversation for a in plan}) == len(plan)
	assert all(ops[a.operator].status == "Active" for a in plan)
	given_to = {}
	for a in plan:
		given_to[a.operator] = given_to.get(a.operator, 0) + 1
		# the load each decision saw is the operator's load plus what this plan gave them before
		assert a.load_before == ops[a.operator].load + given_to[a.operator] - 1
		if not over_slots:
			assert not a.over_slots
	if not over_slots:
		assert all(ops[name].load + count <= ops[name].slots for name, count in given_to.items())
	# decisions follow the queue's order: priority first, then waiting time
	order = [c.name for c in queue_order(queue)]
	positions = [order.index(a.conversation) for a in plan]
	assert positions == sorted(positions)
	# the same state gives the same plan, whatever order it arrives in
	assert plan_assignments(list(reversed(queue)), list(reversed(team)), now=NOW, sticky=policy) == plan


@settings(max_examples=300, deadline=None)
@given(queue=items, team=operators)
def test_without_preferences_the_due_items_are_served_by_priority_up_to_the_free_slots(queue, team):
	plain = [QueuedConversation(c.name, c.priority, c.waiting_since, not_before=c.not_before) for c in queue]
	plan = plan_assignments(plain, team, now=NOW)
	due = [c.name for c in queue_order(plain) if due_at(c, NOW)]
	free = sum(max(0, op.slots - op.load) for op in team if op.status == "Active")
	assert [a.conversation for a in plan] == due[: min(len(due), free)]


@settings(max_examples=200, deadline=None)
@given(queue=items, team=operators)
def test_time_passing_only_adds_work_that_became_due(queue, team):
	"""What is due now is still due a minute later; only what was not yet due can join the plan."""
	later = NOW + timedelta(minutes=30)
	due_now = {c.name for c in queue if due_at(c, NOW)}
	due_later = {c.name for c in queue if due_at(c, later)}
	assert due_now <= due_later
	plan_later = plan_assignments(queue, team, now=later)
	assert {a.conversation for a in plan_later} <= due_later
