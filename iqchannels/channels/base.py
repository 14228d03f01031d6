"""The one interface of a channel (layer: channels): what the core needs of every channel type.

A channel type maps to one adapter (see `channels.registry`). What a channel receives it turns into an
`Inbound` message, which the one inbound path (`flows.receiving.receive`) stores, whatever the channel.
Towards the client the core asks an adapter three things: the state an operator's reply starts in, to
bring a client-visible message to the client, and to tell the client's side of an event. An adapter that
delivers replies itself implements `send`, one attempt; `channels.registry.attempt` keeps the delivery
state around it (Sent, retried with pauses, Failed with the reason the operator sees). The message store
and the conversation lifecycle never name a channel type.
"""

from dataclasses import dataclass, field

import frappe
import redis
from frappe.utils import cint

from iqchannels.records.lost_queue import notice_lost_queue

ATTEMPT = "iqchannels.channels.registry.attempt"
# The queued attempt: the message's, then the delivery jobs still waiting (see channels.delivery_jobs).
ATTEMPT_JOB = "iqchannels.channels.registry.attempt_job"
ATTEMPT_QUEUE = "short"


@dataclass
class Inbound:
	"""A client's message as any channel hands it to the core."""

	channel: object  # the IQC Channel document
	client_id: (
		str  # who the client is in this channel: a visitor id, a partner's id, a Telegram user, an address
	)
	text: str
	message_id: str | None = None  # the channel's own id of the message: a retry carries it again
	profile: dict = field(default_factory=dict)  # full_name, email, phone, language, as far as known
	join: str | None = None  # an existing client profile the identity must belong to
	customer_id: str | None = None  # the company's own id of the customer, when a signature vouches for it
	upload: object | None = None  # a checked file (records.files.Upload)
	uploads: list = field(default_factory=list)  # more checked files: one message each, after the text
	refused: list = field(
		default_factory=list
	)  # why files that came along were not accepted: the client is told
	edited: bool = False  # a new text for the message `message_id` stored before
	reply_to: str | None = None  # the channel's id of the message this one answers
	# E-mail: the ids of the earlier messages this one continues (In-Reply-To, References). None: the
	# channel has one thread per client, the open conversation.
	thread: list | None = None
	subject: str | None = None  # kept on the conversation it opens
	html: str | None = None  # the sanitised original, which operators can open
	automated: bool = False  # an auto-reply, bounce or list mail: stored, but no autoreply answers it
	label: str | None = None  # how the identity shows on the client's card: @username, an address

	@property
	def files(self) -> list:
		return ([self.upload] if self.upload else []) + list(self.uploads)


class DeliveryError(Exception):
	"""A channel could not bring a message to the client.

	`retry_after`: the seconds the channel asked to wait; `permanent`: no retry will help (Failed at
	once); `unreachable`: the client can no longer be reached on this channel (they blocked the bot)."""

	def __init__(
		self,
		reason: str,
		retry_after: float | None = None,
		permanent: bool = False,
		unreachable: bool = False,
	):
		super().__init__(reason)
		self.reason = reason
		self.retry_after = retry_after
		self.permanent = permanent or unreachable
		self.unreachable = unreachable


class ChannelAdapter:
	"""A channel type's adapter. The base delivers nothing itself: the client's side reads the history."""

	channel_type: str = ""
	# The first attempt runs in the request right after its commit, so a fast channel's reply leaves at
	# once; retries go through the queue. Otherwise every attempt is an RQ job.
	send_at_once: bool = False

	def delivers(self, channel: str) -> bool:
		"""Whether the channel brings replies to the client itself (through `send`)."""
		return False

	def reply_state(self, channel: str) -> str:
		"""The delivery state an operator's reply starts in: Pending while the channel still has to
		deliver it and report back, else Sent."""
		return "Pending" if self.delivers(channel) else "Sent"

	def deliver(self, conversation, message) -> None:
		"""A client-visible message was stored in the conversation (a reply, an autoreply, or the
		client's own from another device): bring it to the client."""
		if message.delivery_status == "Pending":
			schedule(message.name, at_once=self.send_at_once)

	def send(self, message) -> str | None:
		"""One attempt to bring a client-visible message (its text, or its file) to the client. Returns
		the channel's id of what was sent, or raises DeliveryError."""
		raise DeliveryError("This channel does not deliver messages itself.", permanent=True)

	def notify(self, conversation, event: str, payload: dict) -> None:
		"""Tell the client's side of an event in the conversation: `typing`, `messages-read`,
		`conversation-closed`."""


def schedule(message: str | int, at_once: bool = False) -> None:
	"""Queue an attempt to deliver the message once the current transaction is committed; `at_once`:
	make the attempt in this process right after the commit, and queue only a retry."""
	if at_once:
		frappe.db.after_commit.add(lambda: attempt_after_commit(cint(message)))
		return
	frappe.db.after_commit.add(lambda: enqueue_attempt(cint(message)))


def enqueue_attempt(message: int) -> None:
	"""The message is stored: a Redis that is gone for a moment (a restart) does not fail the request
	that stored it. Its attempt is then made by `registry.retry_due`, which also finds the Pending
	messages whose job was lost with Redis or with the worker that had it."""
	try:
		notice_lost_queue()
		frappe.enqueue(
			ATTEMPT_JOB,
			queue=ATTEMPT_QUEUE,
			message=message,
			job_id=attempt_job_id(message),
			deduplicate=True,
		)
	except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
		frappe.logger("iqchannels").warning(f"Redis unreachable: message {message} waits for retry_due")


def attempt_job_id(message: str | int) -> str:
	"""The one job id of a message's queued attempt ("" gives the prefix of them all)."""
	return f"iqc-deliver-{message}"


def attempt_after_commit(message: int) -> None:
	# The attempt records its outcome: committed here, as the request's own transaction is over.
	frappe.get_attr(ATTEMPT)(message)
	frappe.db.commit()
