"""Ticket rules (iqchannels/engine/tickets.py): what an operator may do to a ticket and when.

Example tests walk each transition and each refusal; property tests apply random sequences of actions
and check that no reachable state breaks the invariants, and that the parent check finds every loop.
"""

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iqchannels.engine.model import DomainError
from iqchannels.engine.tickets import (
	ACTIVE,
	Action,
	TicketState,
	TicketStatus,
	act,
	check_subject,
	due_by,
	is_overdue,
	would_be_own_ancestor,
)

NOW = datetime(2026, 5, 4, 10, 0)
HOUR = timedelta(hours=1)
OPEN, IN_PROGRESS, WAITING = TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING
POSTPONED, RESOLVED, CLOSED = TicketStatus.POSTPONED, TicketStatus.RESOLVED, TicketStatus.CLOSED


def refusal(state, action, now=NOW, **kwargs):
	"""The kind of DomainError `act` raises (the test fails if it accepts)."""
	with pytest.raises(DomainError) as error:
		act(state, action, now, **kwargs)
	return error.value.kind


postponed = TicketState(POSTPONED, postponed_until=NOW + HOUR)
resolved = TicketState(RESOLVED, resolved_at=NOW)
closed = TicketState(CLOSED, resolved_at=NOW, closed_at=NOW)


def test_start_and_wait_move_between_the_working_statuses():
	assert act(TicketState(OPEN), Action.START, NOW) == TicketState(IN_PROGRESS)
	assert act(TicketState(OPEN), Action.WAIT, NOW) == TicketState(WAITING)
	assert act(TicketState(IN_PROGRESS), Action.WAIT, NOW) == TicketState(WAITING)
	assert act(TicketState(WAITING), Action.START, NOW) == TicketState(IN_PROGRESS)
	assert act(postponed, Action.START, NOW) == TicketState(IN_PROGRESS)
	assert refusal(TicketState(IN_PROGRESS), Action.START) == "conflict"
	assert refusal(TicketState(WAITING), Action.WAIT) == "conflict"
	assert refusal(resolved, Action.START) == "conflict"


def test_postponing_needs_a_future_moment_and_a_reason():
	later = act(TicketState(IN_PROGRESS), Action.POSTPONE, NOW, until=NOW + HOUR, reason="Parts on order")
	assert later == TicketState(POSTPONED, postponed_until=NOW + HOUR)
	assert refusal(TicketState(OPEN), Action.POSTPONE, until=NOW - HOUR, reason="late") == "invalid"
	assert refusal(TicketState(OPEN), Action.POSTPONE, until=NOW, reason="now") == "invalid"
	assert refusal(TicketState(OPEN), Action.POSTPONE, reason="no moment") == "invalid"
	assert refusal(TicketState(OPEN), Action.POSTPONE, until=NOW + HOUR) == "invalid"
	assert refusal(TicketState(OPEN), Action.POSTPONE, until=NOW + HOUR, reason="  ") == "invalid"
	assert refusal(resolved, Action.POSTPONE, until=NOW + HOUR, reason="why") == "conflict"


def test_a_postponed_ticket_comes_back_only_when_the_postponement_is_over():
	assert refusal(postponed, Action.COME_BACK, NOW + 0.5 * HOUR) == "invalid"
	assert act(postponed, Action.COME_BACK, NOW + HOUR) == TicketState(OPEN)
	assert act(postponed, Action.COME_BACK, NOW + 2 * HOUR).postponed_until is None
	assert refusal(TicketState(OPEN), Action.COME_BACK) == "conflict"


def test_resolving_needs_a_resolution_and_stamps_the_moment():
	done = act(TicketState(WAITING), Action.RESOLVE, NOW, resolution="Refund sent")
	assert (done.status, done.resolved_at, done.postponed_until) == (RESOLVED, NOW, None)
	assert act(postponed, Action.RESOLVE, NOW, resolution="Fixed").postponed_until is None
	assert refusal(TicketState(OPEN), Action.RESOLVE) == "invalid"
	assert refusal(TicketState(OPEN), Action.RESOLVE, resolution=" \n") == "invalid"
	assert refusal(resolved, Action.RESOLVE, resolution="again") == "conflict"
	assert refusal(closed, Action.RESOLVE, resolution="too late") == "conflict"


@pytest.mark.parametrize("state", [TicketState(s) for s in ACTIVE] + [postponed, resolved])
def test_any_ticket_but_a_closed_one_can_be_closed(state):
	shut = act(state, Action.CLOSE, NOW + HOUR)
	assert (shut.status, shut.closed_at, shut.postponed_until) == (CLOSED, NOW + HOUR, None)
	assert shut.resolved_at == state.resolved_at  # closing a resolved ticket keeps when it was resolved


@pytest.mark.parametrize("action", [a for a in Action if a not in (Action.REOPEN, Action.CLIENT_WROTE)])
def test_a_closed_ticket_must_be_reopened_first(action):
	assert refusal(closed, action, until=NOW + HOUR, reason="r", resolution="r") == "conflict"


def test_only_a_resolved_or_closed_ticket_can_be_reopened():
	assert act(resolved, Action.REOPEN, NOW) == TicketState(IN_PROGRESS)
	assert act(closed, Action.REOPEN, NOW) == TicketState(IN_PROGRESS)
	for state in [TicketState(OPEN), TicketState(IN_PROGRESS), TicketState(WAITING), postponed]:
		assert refusal(state, Action.REOPEN) == "conflict"


def test_a_clients_message_puts_a_waiting_or_freshly_resolved_ticket_back_to_work():
	assert act(TicketState(WAITING), Action.CLIENT_WROTE, NOW) == TicketState(IN_PROGRESS)
	for after in (HOUR, timedelta(days=7)):
		assert act(resolved, Action.CLIENT_WROTE, NOW + after) == TicketState(IN_PROGRESS)
	assert act(resolved, Action.CLIENT_WROTE, NOW + timedelta(days=7, seconds=1)) is resolved
	assert act(resolved, Action.CLIENT_WROTE, NOW + 2 * HOUR, reopen_window=HOUR) is resolved
	for state in [TicketState(OPEN), TicketState(IN_PROGRESS), postponed, closed]:
		assert act(state, Action.CLIENT_WROTE, NOW) is state


def test_due_by_follows_the_types_hours_and_the_priority():
	hours = {"Urgent": 2, "High": 4, "Medium": 8, "Low": 16}
	for priority, expected in hours.items():
		assert due_by(NOW, 8, priority) == NOW + expected * HOUR
	assert due_by(NOW, None, "Urgent") is None
	assert due_by(NOW, 0, "Medium") is None


def test_only_an_active_ticket_past_its_due_moment_is_overdue():
	for status in ACTIVE:
		assert is_overdue(status, NOW - HOUR, NOW)
		assert not is_overdue(status, NOW + HOUR, NOW)
		assert not is_overdue(status, None, NOW)
	assert not is_overdue("Resolved", NOW - HOUR, NOW)
	assert not is_overdue("Closed", NOW - HOUR, NOW)


def test_a_ticket_cannot_become_its_own_ancestor():
	chain = {"3": "2", "2": "1", "1": None}
	assert would_be_own_ancestor("1", "1", chain.get)  # its own parent
	assert would_be_own_ancestor("1", "3", chain.get)  # 3 -> 2 -> 1: a loop through the chain
	assert not would_be_own_ancestor("4", "3", chain.get)  # a harmless chain
	assert not would_be_own_ancestor("1", None, chain.get)
	looped = {"a": "b", "b": "a"}  # bad data already holds a loop: the check still ends
	assert would_be_own_ancestor("x", "a", looped.get)


def test_a_subject_is_stripped_and_must_be_between_1_and_140_characters():
	assert check_subject("  Printer jams \n") == "Printer jams"
	assert check_subject("x" * 140) == "x" * 140
	for bad in (None, "", "   ", "x" * 141):
		with pytest.raises(DomainError) as error:
			check_subject(bad)
		assert error.value.kind == "invalid"


steps_st = st.lists(
	st.tuples(
		st.sampled_from(list(Action)),
		st.integers(0, 3 * 24 * 60).map(lambda m: timedelta(minutes=m)),  # time passing before the step
		st.none() | st.integers(-120, 600).map(lambda m: timedelta(minutes=m)),  # until, from the moment
		st.sampled_from([None, "", "  ", "Because"]),  # the reason or resolution given
	),
	max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(steps=steps_st)
def test_no_sequence_of_actions_breaks_the_invariants(steps):
	state, now = TicketState(OPEN), NOW
	for action, elapsed, until_offset, text in steps:
		now += elapsed
		until = None if until_offset is None else now + until_offset
		before = (state.status, state.postponed_until, state.resolved_at, state.closed_at)
		try:
			after = act(state, action, now, until=until, reason=text, resolution=text)
		except DomainError as error:
			assert error.kind in ("conflict", "invalid")
			assert (state.status, state.postponed_until, state.resolved_at, state.closed_at) == before
			continue
		assert after.status in set(TicketStatus)
		assert (after.status == POSTPONED) == (after.postponed_until is not None)
		assert after.status != RESOLVED or after.resolved_at is not None
		assert after.status != CLOSED or after.closed_at is not None
		if state.status == CLOSED and after.status != CLOSED:
			assert action == Action.REOPEN
		if action == Action.RESOLVE:
			assert (text or "").strip() and after.resolved_at == now
		if action == Action.POSTPONE:
			assert after.postponed_until > now
		state = after


def reaches(ticket, parent, parents):
	"""Walk up from `parent` at most len(parents) + 1 steps: `ticket` met, or a walk that never ends
	(it runs into a loop), means adding the link would close a loop."""
	for _ in range(len(parents) + 1):
		if parent is None:
			return False
		if parent == ticket:
			return True
		parent = parents.get(parent)
	return parent is not None


names_st = st.sampled_from("abcdefg")


@settings(max_examples=400, deadline=None)
@given(parents=st.dictionaries(names_st, st.none() | names_st), ticket=names_st, parent=st.none() | names_st)
def test_the_ancestor_check_finds_exactly_the_loops(parents, ticket, parent):
	assert would_be_own_ancestor(ticket, parent, parents.get) == reaches(ticket, parent, parents)
