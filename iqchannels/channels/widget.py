"""The website chat's adapter (layer: channels). Its visitors: who they are, their private realtime room and links to their files.

A visitor holds a token, `<visitor id in base64>.<HMAC-SHA256 of it by the channel's secret>`. Anonymous
visitors get a new random id on their first visit; a client the website has identified gets their own id
once the website's HMAC of it checks out. The token is all the widget keeps and all it shows: no number of
a client, a conversation, a message or a file is taken on trust from a visitor.

Realtime: Frappe's socket.io checks a document room with the socket's session only, and every guest has
the same one, so a visitor instead joins a room whose name only the holder of the token can know (a
second HMAC of their id). The events there are the visitor's own messages and replies, nothing more.
"""

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time

import frappe
from frappe.utils import cint
from frappe.utils.caching import request_cache

from iqchannels.channels.base import ChannelAdapter
from iqchannels.records import signing
from iqchannels.records.channels import cached_channel
from iqchannels.records.exceptions import BadSignature, fail
from iqchannels.records.messages import client_view
from iqchannels.records.passwords import decrypted

ANONYMOUS_PREFIX = "anon-"
LOCAL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SCOPED_LOCAL_ID = re.compile(r"^w[0-9a-f]{16}:(.+)$")
MAX_VISITOR_ID = 140
FILE_LINK_SECONDS = 3600
CHAT_LANGUAGES = ("en", "ru", "uk")


def widget_channel(name):
	"""An enabled Web widget channel, or a clear refusal; from here on the request speaks the
	visitor's language."""
	speak_visitors_language()
	if not name or not isinstance(name, str):
		fail("invalid", "The request names no channel.")
	channel = cached_channel(name)
	if not channel or channel.channel_type != "Web widget":
		fail("not_found", "Unknown chat {0}.", name)
	if not channel.enabled:
		fail("forbidden", "This chat is switched off.")
	return channel


def speak_visitors_language() -> None:
	"""The first of the browser's languages that the chat speaks. Frappe picks a guest's language
	only among the site's enabled Language records, which a site may not have."""
	if not frappe.request:
		return
	for code in frappe.request.accept_languages.values():
		base = code.split("-")[0].lower()
		if base in CHAT_LANGUAGES:
			frappe.local.lang = base
			return


def secret_of(channel) -> str:
	secret = channel_secret(channel.name)
	if not secret:
		fail("forbidden", "This chat has no secret yet: an administrator must set one.")
	return secret


@request_cache
def channel_secret(name: str) -> str | None:
	"""Read once a request: every token, room and link of the request is signed with it."""
	return decrypted("IQC Channel", name, "secret")


def mac(channel, purpose: str, visitor_id: str) -> str:
	return hmac.new(
		secret_of(channel).encode(), f"{purpose}:{visitor_id}".encode(), hashlib.sha256
	).hexdigest()


def new_anonymous_id() -> str:
	return ANONYMOUS_PREFIX + secrets.token_hex(12)


def token_for(channel, visitor_id: str) -> str:
	encoded = base64.urlsafe_b64encode(visitor_id.encode()).decode().rstrip("=")
	return f"{encoded}.{mac(channel, 'visitor', visitor_id)}"


def visitor_of(channel, token) -> str:
	"""The visitor id a token was issued for; a forged or foreign token is refused."""
	if not isinstance(token, str) or token.count(".") != 1 or len(token) > 400:
		raise_bad_token()
	encoded, given = token.split(".")
	try:
		visitor_id = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
	except (binascii.Error, UnicodeDecodeError):
		raise_bad_token()
	if not signing.same(mac(channel, "visitor", visitor_id), given):
		raise_bad_token()
	return visitor_id


def raise_bad_token():
	frappe.throw(frappe._("This chat session is not valid here: reload the page."), BadSignature)


def identified_visitor(channel, user_id, user_hash) -> str:
	"""A client the website vouches for: `user_hash` is the hex HMAC-SHA256 of `user_id` by the channel's
	secret, computed by the website's server."""
	if not isinstance(user_id, str | int) or isinstance(user_id, bool):
		fail("invalid", "The user id must be a string or a number.")
	user_id = str(user_id).strip()
	if not user_id or len(user_id) > MAX_VISITOR_ID or user_id.startswith(ANONYMOUS_PREFIX):
		fail("invalid", "The user id must have 1 to {0} characters.", MAX_VISITOR_ID)
	if not signing.is_valid(secret_of(channel), user_id.encode(), str(user_hash or "")):
		frappe.throw(
			frappe._("The user's signature is wrong: sign the user id with the chat's secret."), BadSignature
		)
	return user_id


def room_of(channel, visitor_id: str) -> str:
	return "iqc-visitor-" + mac(channel, "room", visitor_id)[:40]


def publish_to_visitor(conversation, event: str, payload: dict) -> None:
	"""An event for the visitor of a widget conversation, in every tab they have open."""
	channel = frappe.get_cached_doc("IQC Channel", conversation.channel)
	if payload.get("message"):
		# The visitor reaches a message's file through a signed link, never the private file's path.
		payload["message"] = with_file_link(channel, payload["message"])
	# Plain SQL: read for every message to a visitor, where the query builder costs more than the read.
	for visitor_id in frappe.db.sql_list(
		"""select external_id from `tabIQC Client Identity`
		where parent=%s and parenttype='IQC Client' and channel=%s""",
		(str(conversation.client), channel.name),
	):
		# Frappe's socket.io names a task's room "task_progress:<id>"; visitors join theirs by the id.
		frappe.publish_realtime(
			f"iqchannels:{event}",
			payload,
			room=f"task_progress:{room_of(channel, visitor_id)}",
			after_commit=True,
		)


def scoped_local_id(visitor_id: str, local_id: str | None) -> str | None:
	"""The widget's own id of a message, made the visitor's own: a visitor who sends another's id
	gets a new message of their own, never the other's."""
	if local_id in (None, ""):
		return None
	if not isinstance(local_id, str) or not LOCAL_ID.match(local_id):
		fail("invalid", "{0} must have 1 to 64 letters, digits, - or _.", "local_id")
	return "w" + hashlib.sha256(visitor_id.encode()).hexdigest()[:16] + ":" + local_id


def visitor_view(message) -> dict:
	"""A message as the visitor sees it: the client's view, with the widget's own id of the message
	so that the chat matches the messages it sent."""
	row = client_view(message)
	scoped = SCOPED_LOCAL_ID.match(message.get("external_id") or "")
	row.local_id = scoped.group(1) if scoped else None
	return row


class WebChat(ChannelAdapter):
	"""Website visitors hear of their conversation in their private room, live."""

	channel_type = "Web widget"

	def deliver(self, conversation, message) -> None:
		publish_to_visitor(conversation, "message-created", {"message": visitor_view(message)})

	def notify(self, conversation, event: str, payload: dict) -> None:
		publish_to_visitor(conversation, event, payload)


def file_link(channel, message: int, preview: bool = False) -> str:
	"""A link to a message's file that works for an hour for whoever holds it."""
	expires = int(time.time()) + FILE_LINK_SECONDS
	signature = mac(channel, "file", f"{message}:{expires}")
	return (
		f"/api/method/iqchannels.api.widget.file?message={message}&expires={expires}"
		f"&signature={signature}{'&preview=1' if preview else ''}"
	)


def with_file_link(channel, row: dict) -> dict:
	if row.get("attachment"):
		row["attachment"] = file_link(channel, row["name"])
		if row.get("preview"):
			row["preview"] = file_link(channel, row["name"], preview=True)
	return row


def check_file_link(channel, message, expires, signature) -> None:
	if cint(expires) < time.time():
		fail("forbidden", "This link has expired: reopen the chat to get a fresh one.")
	expected = mac(channel, "file", f"{cint(message)}:{cint(expires)}")
	if not signing.same(expected, signature):
		fail("forbidden", "This link is not valid.")
