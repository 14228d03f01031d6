from datetime import datetime, timedelta

import pytest

from iqchannels.engine.messages import MessageStamp, clean_text, group_starts
from iqchannels.engine.model import DomainError

T0 = datetime(2026, 1, 5, 10, 0, 0)


def test_text_is_kept_as_sent_but_trimmed():
	assert clean_text("  <b>hi</b>\nthere  ") == "<b>hi</b>\nthere"


@pytest.mark.parametrize("text", [None, "", "   \n\t", 42])
def test_empty_or_non_text_is_refused(text):
	with pytest.raises(DomainError) as error:
		clean_text(text)
	assert error.value.kind == "invalid"


def test_over_long_text_is_refused_with_the_limit_in_the_message():
	with pytest.raises(DomainError) as error:
		clean_text("x" * 11, max_length=10)
	assert "11" in str(error.value) and "10" in str(error.value)
	assert clean_text("x" * 10, max_length=10) == "x" * 10


def stamp(author, seconds, author_type="Client", internal=False):
	return MessageStamp(author_type, author, T0 + timedelta(seconds=seconds), internal)


def test_one_authors_messages_within_a_minute_form_one_block():
	messages = [
		stamp("c1", 0),
		stamp("c1", 30),
		stamp("c1", 89),  # 59 s after the previous one: still the same block
		stamp("c1", 150),  # 61 s later: a new block
		stamp("op", 151, "Operator"),
		stamp("op", 152, "Operator", internal=True),  # a note never joins a reply's block
		stamp("op", 153, "Operator", internal=True),
	]
	assert group_starts(messages) == [True, False, False, True, True, True, False]


def test_exactly_sixty_seconds_starts_a_new_block():
	assert group_starts([stamp("c1", 0), stamp("c1", 60)]) == [True, True]
