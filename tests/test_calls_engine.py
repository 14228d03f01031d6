"""The call merge: whatever the order of a PBX's events, and however often each comes, one call results."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from iqchannels.engine.calls import (
	APPEARED,
	BUSY,
	CONNECTED,
	DISCONNECTED,
	INBOUND,
	INTERNAL,
	ON_HOLD,
	OUTBOUND,
	LegEvent,
	Placed,
	Recording,
	Summary,
	merge,
	outcome,
)

T0 = 1_760_000_000
CLIENT = "79151112233"


def stored(state: dict) -> dict:
	"""What the shell keeps between two events: the state as JSON."""
	return json.loads(json.dumps(state))


def replay(events) -> dict:
	state = None
	for event in events:
		state = stored(merge(state, event))
	return state


def leg(leg_id, state, at, seq, **values):
	values.setdefault("direction", INBOUND)
	values.setdefault("number", CLIENT)
	return LegEvent(leg_id, state, T0 + at, seq, **values)


def answered_inbound():
	"""The client calls, the voice menu takes the call, then operator 101 answers and talks 60 s."""
	return [
		leg("ivr", APPEARED, 0, 1, at_operator=False, line_number="74950000000"),
		leg("ivr", DISCONNECTED, 5, 2, at_operator=False),
		leg("op", APPEARED, 5, 1, extension="101"),
		leg("op", CONNECTED, 15, 2, extension="101"),
		leg("op", DISCONNECTED, 75, 3, extension="101"),
		Recording("rec-1", T0 + 76, ready=True),
	]


def missed_inbound():
	return [
		leg("q", APPEARED, 0, 1, at_operator=False),
		leg("op", APPEARED, 3, 1, extension="102"),
		leg("q", DISCONNECTED, 3, 2, at_operator=False),
		leg("op", DISCONNECTED, 33, 2, extension="102"),
		Summary(INBOUND, T0, T0 + 33, answered=False, number=CLIENT, extension="102"),
	]


def transferred():
	"""101 answers, then hands the client to 205, who finishes the call."""
	return [
		leg("a", APPEARED, 0, 1, extension="101"),
		leg("a", CONNECTED, 4, 2, extension="101"),
		leg("a", ON_HOLD, 30, 3, extension="101"),
		leg("b", APPEARED, 31, 1, extension="205"),
		leg("a", DISCONNECTED, 35, 4, extension="101"),
		leg("b", CONNECTED, 36, 2, extension="205"),
		leg("b", DISCONNECTED, 100, 3, extension="205"),
	]


def outbound_click_to_call():
	return [
		Placed(T0, number=CLIENT, extension="101"),
		leg("ring-op", APPEARED, 1, 1, direction=INBOUND, extension="101"),
		leg("ring-op", CONNECTED, 3, 2, direction=INBOUND, extension="101"),
		leg("out", APPEARED, 3, 1, direction=OUTBOUND, extension="101"),
		leg("out", CONNECTED, 10, 2, direction=OUTBOUND, extension="101"),
		leg("out", DISCONNECTED, 40, 3, direction=OUTBOUND, extension="101"),
		leg("ring-op", DISCONNECTED, 40, 3, direction=INBOUND, extension="101"),
	]


SCENARIOS = [answered_inbound, missed_inbound, transferred, outbound_click_to_call]


def test_answered_call_times_and_operator():
	call = outcome(replay(answered_inbound()))
	assert (call.direction, call.state, call.ended) == (INBOUND, "Answered", True)
	assert (call.extension, call.number, call.line_number) == ("101", CLIENT, "74950000000")
	assert (call.started_at, call.answered_at, call.ended_at) == (T0, T0 + 15, T0 + 75)
	assert (call.wait_seconds, call.talk_seconds) == (15, 60)
	assert call.recording_id == "rec-1"


def test_missed_call_waits_until_the_end():
	call = outcome(replay(missed_inbound()))
	assert (call.state, call.extension, call.answered_at) == ("Missed", "102", None)
	assert (call.wait_seconds, call.talk_seconds) == (33, 0)


def test_a_transferred_call_belongs_to_the_operator_who_took_it():
	call = outcome(replay(transferred()))
	assert (call.state, call.extension) == ("Answered", "205")
	assert (call.answered_at, call.ended_at, call.talk_seconds) == (T0 + 4, T0 + 100, 96)


def test_click_to_call_is_outbound_to_the_client():
	call = outcome(replay(outbound_click_to_call()))
	assert (call.direction, call.state, call.number, call.extension) == (OUTBOUND, "Answered", CLIENT, "101")
	assert (call.started_at, call.answered_at, call.talk_seconds) == (T0, T0 + 10, 30)


def test_click_to_call_the_client_does_not_answer():
	"""The operator picks up (the PBX rang them first), the client never does: not reached."""
	events = [
		e for e in outbound_click_to_call() if not (getattr(e, "leg", "") == "out" and e.state == CONNECTED)
	]
	call = outcome(replay(events))
	assert (call.state, call.answered_at, call.talk_seconds, call.wait_seconds) == ("Missed", None, 0, 40)


def test_a_consultation_between_operators_is_not_the_client_answering():
	events = [
		leg("c", APPEARED, 0, 1, extension="101"),
		leg("consult", APPEARED, 2, 1, direction=INTERNAL, number=None, extension="205"),
		leg("consult", CONNECTED, 4, 2, direction=INTERNAL, number=None, extension="205"),
		leg("consult", DISCONNECTED, 9, 3, direction=INTERNAL, number=None, extension="205"),
		leg("c", DISCONNECTED, 20, 2, extension="101"),
	]
	call = outcome(replay(events))
	assert (call.direction, call.state, call.answered_at) == (INBOUND, "Missed", None)


def test_disconnected_before_appeared_is_one_ended_call():
	call = outcome(
		replay([leg("x", DISCONNECTED, 30, 2, extension="101"), leg("x", APPEARED, 0, 1, extension="101")])
	)
	assert (call.state, call.ended, call.started_at, call.ended_at) == ("Missed", True, T0, T0 + 30)


def test_an_older_seq_changes_nothing():
	newer = replay([leg("x", APPEARED, 0, 1), leg("x", CONNECTED, 5, 2, extension="101")])
	older = merge(newer, leg("x", APPEARED, 0, 1))
	assert stored(older) == newer


def test_a_voice_menu_or_queue_alone_does_not_end_the_call():
	state = replay(
		[leg("ivr", APPEARED, 0, 1, at_operator=False), leg("ivr", DISCONNECTED, 5, 2, at_operator=False)]
	)
	assert outcome(state).state == "Ringing"
	# The PBX's summary ends it: the client hung up in the voice menu.
	ended = outcome(merge(state, Summary(INBOUND, T0, T0 + 5, answered=False)))
	assert (ended.state, ended.ended_at) == ("Missed", T0 + 5)


def test_busy_and_refused_calls():
	busy = replay([leg("x", APPEARED, 0, 1, direction=OUTBOUND), leg("x", DISCONNECTED, 2, 2, end=BUSY)])
	assert outcome(busy).state == "Busy"
	refused = replay([Placed(T0, number=CLIENT, extension="101", failed=True)])
	assert (outcome(refused).state, outcome(refused).ended) == ("Failed", True)


def test_ringing_call_has_no_durations_yet():
	call = outcome(replay([leg("x", APPEARED, 0, 1, extension="101")]))
	assert (call.state, call.wait_seconds, call.talk_seconds, call.ended_at) == ("Ringing", None, None, None)


@st.composite
def shuffled_with_repeats(draw):
	events = draw(st.sampled_from(SCENARIOS))()
	repeats = draw(st.lists(st.sampled_from(events), max_size=len(events)))
	return events, draw(st.permutations(events + repeats))


@settings(max_examples=300, deadline=None)
@given(shuffled_with_repeats())
def test_any_order_and_any_repetition_give_the_same_call(case):
	events, delivered = case
	assert replay(delivered) == replay(events)
	assert outcome(replay(delivered)) == outcome(replay(events))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SCENARIOS), st.data())
def test_every_prefix_is_one_call_whose_talk_never_exceeds_its_length(scenario, data):
	events = data.draw(st.permutations(scenario()))
	state = None
	for event in events:
		state = stored(merge(state, event))
		call = outcome(state)
		if call.ended and call.started_at is not None:
			assert call.wait_seconds + call.talk_seconds <= call.ended_at - call.started_at
		if call.answered_at is not None:
			assert call.state == "Answered"
