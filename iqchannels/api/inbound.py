"""Inbound API (layer: endpoints): a partner system posts its customers' messages into a channel of type API.

POST /api/method/iqchannels.api.inbound.message with a JSON body and the header
`X-IQChannels-Signature: sha256=<hex HMAC-SHA256 of the raw body with the channel's secret>`.
See README.md for the request and the answer.
"""

import json

import frappe
from frappe.utils import cint

from iqchannels.channels.base import Inbound
from iqchannels.flows import lifecycle
from iqchannels.flows.receiving import receive
from iqchannels.records.channels import cached_channel
from iqchannels.records.clients import identity_owner, mark_seen
from iqchannels.records.exceptions import BadSignature, fail, http_errors
from iqchannels.records.messages import (
	REPORTED_STATES,
	advance_delivery,
	client_visible_history,
	open_conversation_of,
)
from iqchannels.records.passwords import decrypted
from iqchannels.records.rate_limit import rate_limit
from iqchannels.records.signing import is_valid
from iqchannels.views.tickets import tickets_for_client

SIGNATURE_HEADER = "X-IQChannels-Signature"
MAX_ID_LENGTH = 140
MAX_BODY_BYTES = 256 * 1024


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=1200, seconds=60)
@http_errors
def message() -> dict:
	payload, channel = signed_request()
	external_id = client_id(payload)
	message_id = identifier(payload.get("message_id"), "message_id", required=False)
	client_data = payload["client"]
	stored, created = receive(
		Inbound(
			channel,
			external_id,
			payload.get("text"),
			message_id=message_id,
			profile={k: text_field(client_data.get(k)) for k in ("full_name", "email", "phone", "language")},
			join=identifier(payload.get("client_profile"), "client_profile", required=False),
			# The signature vouches for the partner's id: the same customer elsewhere shares the profile.
			customer_id=external_id,
		)
	)
	# As it stands now: a retried message's conversation may have closed since.
	conversation = frappe.db.sql(
		"select name, status from `tabIQC Conversation` where name=%s", str(stored.conversation), as_dict=True
	)[0]
	frappe.local.response.http_status_code = 201 if created else 200
	return {
		"message": stored.name,
		"conversation": conversation.name,
		"conversation_status": conversation.status,
		"client": cint(stored.client),
		"created": created,
	}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=1200, seconds=60)
@http_errors
def typing() -> dict:
	"""The partner's customer is typing (or stopped): the operators of the open conversation see it."""
	payload, channel = signed_request()
	client = known_client(channel, client_id(payload))
	mark_seen(client)
	conversation = open_conversation_of(client, channel.name)
	if conversation:
		lifecycle.typing(conversation, "client", bool(payload.get("typing", True)))
	return {"conversation": conversation.name if conversation else None}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=600, seconds=60)
@http_errors
def history(limit: int = 50) -> dict:
	"""What the customer sees of their conversations on this channel: messages and replies, never the
	operators' notes or the system's remarks, oldest first, paged by `before` (a message id)."""
	payload, channel = signed_request()
	client = known_client(channel, client_id(payload))
	before = payload.get("before")
	if before is not None and not str(before).isdigit():
		fail("invalid", "{0} must be a string or a number.", "before")
	return client_visible_history(
		client, channel.name, cint(before) or None, cint(payload.get("limit") or limit)
	)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=600, seconds=60)
@http_errors
def tickets() -> dict:
	"""The client's tickets with their statuses, newest first; `ticket` in the body asks for one."""
	payload, channel = signed_request()
	client = known_client(channel, client_id(payload))
	return tickets_for_client(client, payload.get("ticket"))


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=1200, seconds=60)
@http_errors
def status() -> dict:
	"""The partner reports what became of a reply it received: `delivered` or `read`."""
	payload, channel = signed_request()
	state = REPORTED_STATES.get(payload.get("status"))
	if not state:
		fail("invalid", "Unknown status {0}: use delivered or read.", payload.get("status"))
	name = record_id(payload, "message_id")
	message = frappe.db.get_value(
		"IQC Message",
		{"name": name, "channel": channel.name, "author_type": "Operator", "internal": 0},
		["name", "conversation", "delivery_status", "delivered_at"],
		as_dict=True,
	)
	if not message:
		fail("not_found", "Message {0} was not sent to this channel.", name)
	changed = advance_delivery(message, state)
	return {"message": message.name, "delivery_status": message.delivery_status, "changed": changed}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=600, seconds=60)
@http_errors
def rating() -> dict:
	"""The customer rates a closed conversation: `rating` 1 to 5 and an optional `comment`."""
	payload, channel = signed_request()
	client = known_client(channel, client_id(payload))
	name = record_id(payload, "conversation")
	found = frappe.db.get_value(
		"IQC Conversation", {"name": name, "client": str(client), "channel": channel.name}
	)
	if not found:
		fail("not_found", "Conversation {0} does not exist.", name)
	doc = lifecycle.rate(
		frappe.get_doc("IQC Conversation", found), payload.get("rating"), payload.get("comment")
	)
	return {"conversation": doc.name, "rating": doc.csat_rating}


def signed_request() -> tuple[dict, object]:
	"""The request's JSON and its channel, once its size and signature are checked."""
	body = frappe.request.get_data(cache=True) or b""
	if len(body) > MAX_BODY_BYTES:
		fail("invalid", "The request is too large: at most {0} bytes are accepted.", MAX_BODY_BYTES)
	payload = parse(body)
	channel = api_channel(payload.get("channel"))
	if not is_valid(
		decrypted("IQC Channel", channel.name, "secret"),
		body,
		frappe.get_request_header(SIGNATURE_HEADER),
	):
		frappe.throw(
			frappe._(
				"The request signature is missing or wrong: sign the raw body with the channel's secret."
			),
			BadSignature,
		)
	return payload, channel


def client_id(payload: dict) -> str:
	client_data = payload.get("client")
	if not isinstance(client_data, dict):
		fail("invalid", "The request has no client object.")
	return identifier(client_data.get("id"), "client.id")


def record_id(payload: dict, field: str) -> int:
	"""The number of one of our records (a message, a conversation) named in the request."""
	value = payload.get(field)
	if isinstance(value, bool) or not str(value or "").isdigit():
		fail("invalid", "The request has no {0}.", field)
	return cint(value)


def known_client(channel, external_id: str) -> str:
	client = identity_owner(channel.name, external_id)
	if not client:
		fail("not_found", "Client {0} has not written to this channel.", external_id)
	return client


def parse(body: bytes) -> dict:
	try:
		payload = json.loads(body)
	except ValueError:
		fail("invalid", "The request body is not valid JSON.")
	if not isinstance(payload, dict):
		fail("invalid", "The request body must be a JSON object.")
	return payload


def api_channel(name):
	if not name or not isinstance(name, str):
		fail("invalid", "The request names no channel.")
	channel = cached_channel(name)
	if not channel:
		fail("not_found", "Unknown channel {0}.", name)
	if channel.channel_type != "API":
		fail("invalid", "Channel {0} does not take messages through this API.", name)
	if not channel.enabled:
		fail("forbidden", "Channel {0} is disabled.", name)
	return channel


def identifier(value, field: str, required: bool = True) -> str | None:
	if value in (None, ""):
		if required:
			fail("invalid", "The request has no {0}.", field)
		return None
	if not isinstance(value, str | int) or isinstance(value, bool):
		fail("invalid", "{0} must be a string or a number.", field)
	value = str(value).strip()
	if not value or len(value) > MAX_ID_LENGTH:
		fail("invalid", "{0} must have 1 to {1} characters.", field, MAX_ID_LENGTH)
	return value


def text_field(value) -> str | None:
	return value.strip()[:140] if isinstance(value, str) and value.strip() else None
