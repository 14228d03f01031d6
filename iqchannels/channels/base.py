"""The one interface of a channel (layer: channels): what the core needs of every channel type.

A channel type maps to one adapter (see `channels.registry`). The core asks an adapter three things:
the state an operator's reply starts in (whether the channel delivers it itself and reports back),
to bring a client-visible message to the client, and to tell the client's side of an event in the
conversation. What a channel receives it turns into an `Inbound` message, which the one inbound path
(`flows.receiving.receive`) stores, whatever the channel. The message store and the conversation
lifecycle never name a channel type.
"""

from dataclasses import dataclass, field


@dataclass
class Inbound:
	"""A client's message as any channel hands it to the core."""

	channel: object  # the IQC Channel document
	client_id: str  # who the client is in this channel: a visitor id, a partner's id, a chat id
	text: str
	message_id: str | None = None  # the channel's own id of the message: a retry carries it again
	profile: dict = field(default_factory=dict)  # full_name, email, phone, language, as far as known
	join: str | None = None  # an existing client profile the identity must belong to
	customer_id: str | None = None  # the company's own id of the customer, when a signature vouches for it
	upload: object | None = None  # a checked file (records.files.Upload)


class ChannelAdapter:
	"""A channel type's adapter. The base delivers nothing itself: the client's side reads the history."""

	channel_type: str = ""

	def reply_state(self, channel: str) -> str:
		"""The delivery state an operator's reply starts in: Pending while the channel still has to
		deliver it and report back, else Sent."""
		return "Sent"

	def deliver(self, conversation, message) -> None:
		"""A client-visible message was stored in the conversation (a reply, an autoreply, or the
		client's own from another device): bring it to the client."""

	def notify(self, conversation, event: str, payload: dict) -> None:
		"""Tell the client's side of an event in the conversation: `typing`, `messages-read`,
		`conversation-closed`."""
