from datetime import datetime, timedelta

import pytest

from iqchannels.engine.lifecycle import (
	SilenceState,
	ensure_can_close,
	place_client_message,
	queue_priority,
	silent_conversations,
)
from iqchannels.engine.model import DomainError

NOW = datetime(2026, 3, 1, 12, 0)


def test_a_message_joins_the_open_conversation():
	decision = place_client_message("17", client_blocked=False)
	assert decision.conversation == "17" and not decision.opens_conversation


def test_a_message_with_nothing_open_opens_a_conversation():
	assert place_client_message(None, client_blocked=False).opens_conversation


def test_a_blocked_client_cannot_write():
	with pytest.raises(DomainError) as error:
		place_client_message(None, client_blocked=True)
	assert error.value.kind == "forbidden"


def test_vip_goes_ahead_of_any_line_priority():
	assert queue_priority(True, 0) > queue_priority(False, 999)
	assert queue_priority(False, 3) > queue_priority(False, 1)


def test_close_needs_a_result_and_an_unclosed_conversation():
	ensure_can_close("Open", "Resolved")
	ensure_can_close("Queued", "Resolved")
	with pytest.raises(DomainError) as missing:
		ensure_can_close("Open", "")
	assert missing.value.kind == "invalid"
	with pytest.raises(DomainError) as twice:
		ensure_can_close("Closed", "Resolved")
	assert twice.value.kind == "conflict"


def silence(name, status="Open", client_ago=None, operator_ago=None):
	def ago(minutes):
		return None if minutes is None else NOW - timedelta(minutes=minutes)

	return SilenceState(name, status, ago(client_ago), ago(operator_ago))


def test_auto_close_only_when_the_client_left_the_operator_unanswered():
	conversations = [
		silence("answered-and-silent", client_ago=90, operator_ago=61),
		silence("answered-recently", client_ago=90, operator_ago=30),
		silence("client-waiting", client_ago=70, operator_ago=80),
		silence("never-answered", client_ago=500),
		silence("queued", status="Queued", client_ago=500, operator_ago=400),
		silence("closed", status="Closed", client_ago=500, operator_ago=400),
	]
	assert silent_conversations(conversations, NOW, timedelta(minutes=60)) == ["answered-and-silent"]


def test_auto_close_off_when_the_setting_is_zero():
	assert silent_conversations([silence("a", client_ago=900, operator_ago=800)], NOW, timedelta(0)) == []
