"""Message rules: what text is accepted and how consecutive messages group in the chat."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from iqchannels.engine.model import DomainError

GROUP_WINDOW = timedelta(seconds=60)
DEFAULT_MAX_LENGTH = 4096


def clean_text(text: object, max_length: int = DEFAULT_MAX_LENGTH) -> str:
	"""Return the text to store, refusing what no operator or client could read.

	Only the ends are trimmed: the text is stored as sent and escaped when shown.
	"""
	if text is None:
		raise DomainError("invalid", "The message text is empty.")
	if not isinstance(text, str):
		raise DomainError("invalid", "The message text must be a string.")
	if "\x00" in text:
		raise DomainError("invalid", "The message text contains a NUL character.")
	stripped = text.strip()
	if not stripped:
		raise DomainError("invalid", "The message text is empty.")
	if len(stripped) > max_length:
		raise DomainError(
			"invalid",
			"The message is too long: {length} characters, at most {limit} are allowed.",
			length=len(stripped),
			limit=max_length,
		)
	return stripped


@dataclass(frozen=True)
class MessageStamp:
	"""What grouping needs of a message: who wrote it, as what, and when."""

	author_type: str
	author: str | None
	sent_at: datetime
	internal: bool = False


def group_starts(messages: Sequence[MessageStamp]) -> list[bool]:
	"""For messages in time order, tell which ones start a new visual block.

	A message continues the block above when the same author wrote it, in the same visibility
	(a note never joins a client-visible block), less than 60 s after the previous message.
	"""
	starts = []
	previous = None
	for message in messages:
		continues = (
			previous is not None
			and previous.author_type == message.author_type
			and previous.author == message.author
			and previous.internal == message.internal
			and timedelta(0) <= message.sent_at - previous.sent_at < GROUP_WINDOW
		)
		starts.append(not continues)
		previous = message
	return starts
