"""The life of a conversation: opening on a client message, closing with a result, auto-close."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from iqchannels.engine.model import ConversationStatus, DomainError

# VIP clients go ahead of every ordinary client, whatever the line priorities are.
VIP_PRIORITY_BOOST = 1000


@dataclass(frozen=True)
class InboundDecision:
	"""Where a client message goes: into `conversation`, or into a new one when it is None."""

	conversation: str | None

	@property
	def opens_conversation(self) -> bool:
		return self.conversation is None


def place_client_message(open_conversation: str | None, client_blocked: bool) -> InboundDecision:
	"""A client message joins the client's open conversation on the channel, or opens the next one."""
	if client_blocked:
		raise DomainError("forbidden", "This client is blocked and cannot write.")
	return InboundDecision(conversation=open_conversation)


def queue_priority(vip: bool, line_priority: int) -> int:
	"""The priority a new conversation queues with: VIP first, then the line's own priority."""
	return (VIP_PRIORITY_BOOST if vip else 0) + int(line_priority or 0)


def ensure_not_closed(status: str) -> None:
	if status == ConversationStatus.CLOSED:
		raise DomainError("conflict", "The conversation is already closed.")


def ensure_can_close(status: str, result: str | None) -> None:
	"""A conversation closes once, and only with a result."""
	ensure_not_closed(status)
	if not result:
		raise DomainError("invalid", "Choose a result to close the conversation.")


@dataclass(frozen=True)
class SilenceState:
	"""What auto-close needs to know of an open conversation."""

	name: str
	status: str
	last_client_message_at: datetime | None
	last_operator_message_at: datetime | None


def silent_conversations(
	conversations: Iterable[SilenceState], now: datetime, silence: timedelta
) -> list[str]:
	"""Conversations to close because the client has not answered the operator for `silence`.

	Only open conversations whose last word is the operator's qualify: a client still waiting for an
	answer is never closed on, and a queued conversation has nobody to wait for.
	"""
	if silence <= timedelta(0):
		return []
	due = []
	for conversation in conversations:
		if conversation.status != ConversationStatus.OPEN or not conversation.last_operator_message_at:
			continue
		last_client = conversation.last_client_message_at
		if last_client and last_client > conversation.last_operator_message_at:
			continue
		if now - conversation.last_operator_message_at >= silence:
			due.append(conversation.name)
	return due
