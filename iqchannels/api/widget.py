"""The web chat widget's API, called by visitors (guests) from the widget page (layer: endpoints).

Every call names the chat (`channel`) and carries the visitor's `token` from `start`; what a call reads
or changes is found from the token alone, so no id a visitor sends can reach another visitor's
conversations, messages or files. Every call is rate limited, per address and, where a token is
given, per visitor; texts, ids and files are bounded.
"""

import frappe
from frappe.utils import cint

from iqchannels.channels import telegram_links, widget
from iqchannels.channels.base import Inbound
from iqchannels.engine.messages import clean_text
from iqchannels.flows import lifecycle
from iqchannels.flows.receiving import receive
from iqchannels.records import files, settings
from iqchannels.records.clients import client_for_identity, identity_owner, mark_seen
from iqchannels.records.exceptions import fail, http_errors
from iqchannels.records.messages import (
	PROGRESS,
	REPORTED_STATES,
	advance_delivery,
	client_visible_history,
	open_conversation_of,
)
from iqchannels.records.queue import position_and_wait
from iqchannels.records.rate_limit import rate_limit
from iqchannels.views.tickets import tickets_for_client

PROFILE_TEXT_LENGTH = 140
MAX_SEEN_PER_CALL = 200


def per_visitor(limit: int):
	"""At most `limit` calls a minute from one visitor at one address."""
	return rate_limit(key="token", limit=limit, seconds=60)


def per_address(limit: int):
	"""At most `limit` calls a minute from one address, however many visitors it makes up."""
	return rate_limit(limit=limit, seconds=60)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@per_address(60)
@http_errors
def start(
	channel: str,
	token: str | None = None,
	user_id: str | None = None,
	user_hash: str | None = None,
	name: str | None = None,
	email: str | None = None,
	language: str | None = None,
) -> dict:
	"""Open the chat: the visitor's token (new for a new anonymous visitor), their room and history.

	A website that knows its user passes `user_id` with `user_hash`, the hex HMAC-SHA256 of the id by
	the chat's secret; the visitor then joins the profile that the id has in every channel."""
	chat = widget.widget_channel(channel)
	if user_id not in (None, ""):
		visitor_id = widget.identified_visitor(chat, user_id, user_hash)
		client = client_for_identity(
			chat, visitor_id, profile=profile_of(name, email, language), customer_id=visitor_id
		)
	else:
		visitor_id = widget.visitor_of(chat, token) if token else widget.new_anonymous_id()
		client = identity_owner(chat.name, visitor_id)
	answer = {
		"token": widget.token_for(chat, visitor_id),
		"room": widget.room_of(chat, visitor_id),
		"identified": not visitor_id.startswith(widget.ANONYMOUS_PREFIX),
		"title": chat.channel_name,
		"max_message_length": settings.number("max_message_length"),
		"max_file_size_mb": settings.max_file_size_mb(),
		"accept": ",".join(f".{extension}" for extension in sorted(files.allowed_extensions())),
		"messages": [],
		"has_more": False,
		"to_rate": None,
		"queue": None,
	}
	if client:
		answer.update(
			with_file_links(chat, client_visible_history(client, chat.name, view=widget.visitor_view))
		)
		answer["to_rate"] = conversation_to_rate(client, chat.name)
		if current := open_conversation_of(client, chat.name):
			answer["queue"] = position_and_wait(current)
	# Going on in Telegram joins the same profile: offered once there is one to join.
	answer["telegram_link"] = telegram_links.start_link(chat, client) if client else None
	return answer


@frappe.whitelist(allow_guest=True, methods=["POST"])
@per_visitor(120)
@http_errors
def tickets(channel: str, token: str, ticket: str | int | None = None) -> dict:
	"""The visitor's tickets with their statuses, newest first (or the one asked for)."""
	_chat, _visitor, client = visitor_session(channel, token)
	return tickets_for_client(client, ticket)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@per_visitor(120)
@http_errors
def history(channel: str, token: str, before: str | int | None = None) -> dict:
	"""Older messages, before the message `before`."""
	chat, _visitor, client = visitor_session(channel, token)
	if not client:
		return {"messages": [], "has_more": False}
	if before is not None and not str(before).isdigit():
		fail("invalid", "{0} must be a number.", "before")
	return with_file_links(
		chat, client_visible_history(client, chat.name, cint(before) or None, view=widget.visitor_view)
	)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@per_address(600)
@per_visitor(60)
@http_errors
def send(
	channel: str, token: str, text: str, local_id: str | None = None, language: str | None = None
) -> dict:
	"""The visitor's message. A retry with the same `local_id` returns the message already stored."""
	chat, visitor_id = visitor(channel, token)
	message_id = widget.scoped_local_id(visitor_id, local_id)
	profile = profile_of(language=language)
	message, created = receive(Inbound(chat, visitor_id, text, message_id=message_id, profile=profile))
	return sent_answer(chat, message, created)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@per_address(120)
@per_visitor(20)
@http_errors
def send_file(channel: str, token: str, local_id: str | None = None, language: str | None = None) -> dict:
	"""A file from the visitor (multipart field `file`): an image, a video or a document."""
	chat, visitor_id = visitor(channel, token)
	message_id = widget.scoped_local_id(visitor_id, local_id)
	sent = frappe.request.files.get("file") if frappe.request and frappe.request.files else None
	if not sent:
		fail("invalid", "No file was sent.")
	limit = settings.max_file_size_mb() * 1024 * 1024
	# Read one byte past the limit: enough to refuse a larger file without holding all of it.
	content = sent.stream.read(limit + 1)
	# The name becomes the message's text; its stored copy gets a shorter one where needed (files.store).
	name = clean_text(sent.filename, settings.number("max_message_length"))
	# Checked before a client is made, so a refused file leaves no trace; stored only once the message
	# is known to be new, so a retried upload stores nothing.
	upload = files.checked(name, content)
	profile = profile_of(language=language)
	message, created = receive(
		Inbound(chat, visitor_id, name, message_id=message_id, profile=profile, upload=upload)
	)
	return sent_answer(chat, message, created)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@per_visitor(120)
@http_errors
def typing(channel: str, token: str, typing: str | int | bool = 1) -> dict:
	chat, _visitor, client = visitor_session(channel, token)
	conversation = open_conversation_of(client, chat.name) if client else None
	if conversation:
		mark_seen(client)
		lifecycle.typing(conversation, "client", bool(cint(typing)))
	return {"ok": True}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@per_visitor(120)
@http_errors
def seen(channel: str, token: str, up_to: str | int, state: str = "read") -> dict:
	"""The visitor's widget received (`delivered`) or showed (`read`) the replies up to `up_to`."""
	chat, _visitor, client = visitor_session(channel, token)
	status = REPORTED_STATES.get(state)
	if not status:
		fail("invalid", "Unknown state {0}: use delivered or read.", state)
	if not str(up_to or "").isdigit():
		fail("invalid", "{0} must be a number.", "up_to")
	if not client:
		return {"changed": 0}
	behind = [s for s, rank in PROGRESS.items() if 0 < rank < PROGRESS[status]]
	rows = frappe.get_all(
		"IQC Message",
		filters={
			"client": str(client),
			"channel": chat.name,
			"author_type": ["in", ["Operator", "Bot"]],
			"internal": 0,
			"name": ["<=", cint(up_to)],
			"delivery_status": ["in", behind],
		},
		fields=["name", "conversation", "delivery_status", "delivered_at"],
		order_by="name asc",
		limit=MAX_SEEN_PER_CALL,
	)
	return {"changed": sum(advance_delivery(row, status) for row in rows)}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@per_visitor(10)
@http_errors
def rate(channel: str, token: str, rating: str | int, comment: str | None = None) -> dict:
	"""The visitor's rating of their last closed conversation, when they were asked for one."""
	chat, _visitor, client = visitor_session(channel, token)
	name = conversation_to_rate(client, chat.name) if client else None
	if not name:
		fail("conflict", "There is no conversation to rate.")
	doc = lifecycle.rate(frappe.get_doc("IQC Conversation", name), rating, comment)
	return {"conversation": doc.name, "rating": doc.csat_rating}


@frappe.whitelist(allow_guest=True, methods=["GET"])
@per_address(600)
@http_errors
def file(message: str | int, expires: str | int, signature: str, preview: str | int = 0) -> None:
	"""A file of a message, for whoever holds the signed link the widget was given (an hour)."""
	if not str(message or "").isdigit():
		fail("invalid", "{0} must be a number.", "message")
	row = frappe.db.get_value(
		"IQC Message", cint(message), ["name", "channel", "internal", "attachment", "preview"], as_dict=True
	)
	if not row or row.internal or not row.attachment:
		# Said as of a bad link, so that links cannot be used to probe for messages.
		fail("forbidden", "This link is not valid.")
	widget.check_file_link(widget.widget_channel(row.channel), row.name, expires, signature)
	url = row.preview if cint(preview) and row.preview else row.attachment
	stored = frappe.get_doc(
		"File", {"file_url": url, "attached_to_doctype": "IQC Message", "attached_to_name": str(row.name)}
	)
	frappe.local.response.update(
		{
			"type": "download",
			"filename": stored.file_name,
			"filecontent": stored.get_content(),
			"display_content_as": "inline"
			if url == row.preview or is_image(stored.file_name)
			else "attachment",
		}
	)


def visitor(channel: str, token: str):
	"""(the chat, the visitor's id) for a valid token, else a refusal."""
	chat = widget.widget_channel(channel)
	return chat, widget.visitor_of(chat, token)


def visitor_session(channel: str, token: str):
	"""(the chat, the visitor's id, their client or None before their first message)."""
	chat, visitor_id = visitor(channel, token)
	return chat, visitor_id, identity_owner(chat.name, visitor_id)


def profile_of(name: str | None = None, email: str | None = None, language: str | None = None) -> dict:
	values = {"full_name": name, "email": email, "language": language}
	return {
		key: value.strip()[:PROFILE_TEXT_LENGTH]
		for key, value in values.items()
		if isinstance(value, str) and value.strip()
	}


def sent_answer(chat, message, created: bool) -> dict:
	frappe.local.response.http_status_code = 201 if created else 200
	return {
		"message": widget.with_file_link(chat, widget.visitor_view(message)),
		"created": created,
		"queue": queue_of(message.conversation),
	}


def queue_of(conversation: str | int) -> dict | None:
	"""Where the visitor's conversation waits, for the "you are 3rd, about 2 min" line."""
	# Plain SQL: asked for every message, where the query builder costs more than the read.
	found = frappe.db.sql(
		"select name, status, line from `tabIQC Conversation` where name=%s", conversation, as_dict=True
	)
	return position_and_wait(found[0]) if found else None


def conversation_to_rate(client: str, channel: str) -> int | None:
	last = frappe.get_all(
		"IQC Conversation",
		filters={"client": str(client), "channel": channel},
		fields=["name", "status", "spam", "csat_rating", "channel"],
		order_by="name desc",
		limit=1,
	)
	return last[0].name if last and lifecycle.rating_requested(last[0]) else None


def with_file_links(chat, page: dict) -> dict:
	page["messages"] = [widget.with_file_link(chat, row) for row in page["messages"]]
	return page


def is_image(filename: str) -> bool:
	return files.kind_by_name(filename) == "Image"
