"""Writing messages into conversations and reading a client's history."""

import frappe
from frappe.utils import now_datetime

from iqchannels import realtime, settings
from iqchannels.engine.lifecycle import ensure_not_closed, place_client_message
from iqchannels.engine.messages import MessageStamp, clean_text, group_starts

PREVIEW_LENGTH = 140
MESSAGE_FIELDS = [
	"name",
	"conversation",
	"author_type",
	"author",
	"kind",
	"internal",
	"text",
	"attachment",
	"delivery_status",
	"sent_at",
	"delivered_at",
	"read_at",
	"external_id",
]


def add_message(
	conversation,
	author_type: str,
	text: str,
	author: str | None = None,
	internal: bool = False,
	external_id: str | None = None,
	delivery_status: str = "Sent",
	publish: bool = True,
):
	"""Store a message and keep the conversation's timestamps and preview in step."""
	now = now_datetime()
	message = frappe.get_doc(
		{
			"doctype": "IQC Message",
			"conversation": conversation.name,
			"client": conversation.client,
			"channel": conversation.channel,
			"author_type": author_type,
			"author": author,
			"kind": "Text",
			"internal": int(internal),
			"text": text,
			"external_id": external_id,
			"delivery_status": delivery_status,
			"sent_at": now,
		}
	).insert(ignore_permissions=True)
	changes = {"last_message_at": now}
	if not internal:
		changes["last_message_preview"] = text[:PREVIEW_LENGTH]
	if author_type == "Client":
		changes["last_client_message_at"] = now
		changes["unread_count"] = (conversation.unread_count or 0) + 1
	elif author_type == "Operator" and not internal:
		changes["last_operator_message_at"] = now
		if not conversation.first_response_at:
			changes["first_response_at"] = now
	frappe.db.set_value("IQC Conversation", conversation.name, changes, update_modified=False)
	conversation.update(changes)
	if publish:
		realtime.publish_conversation(
			"message-created",
			conversation,
			message=message.name,
			author_type=author_type,
			internal=bool(internal),
		)
	return message


def add_system_message(conversation, text: str):
	return add_message(conversation, "System", text, internal=True)


def receive_client_message(channel, client: str, text, external_id: str | None = None):
	"""A client wrote: store the message in the open conversation, opening one if none is.

	Returns (message, created). A retry with an `external_id` already stored returns the stored
	message and writes nothing.
	"""
	from iqchannels.conversations import open_conversation

	text = clean_text(text, settings.number("max_message_length"))
	# Link columns to numbered documents are strings: compare them with strings to use their indexes.
	client = str(client)
	if stored := stored_client_message(channel.name, external_id):
		return stored, False
	# One client's messages are placed one at a time, so two at once never open two conversations.
	frappe.db.sql("select name from `tabIQC Client` where name=%s for update", client)
	if stored := stored_client_message(channel.name, external_id):
		return stored, False
	profile = frappe.db.get_value(
		"IQC Client", client, ["name", "full_name", "vip", "blocked", "client_type", "language"], as_dict=True
	)
	open_name = frappe.db.get_value(
		"IQC Conversation", {"client": client, "channel": channel.name, "status": ["!=", "Closed"]}, "name"
	)
	decision = place_client_message(open_name, bool(profile.blocked))
	if decision.opens_conversation:
		conversation = open_conversation(profile, channel, text)
	else:
		conversation = frappe.get_doc("IQC Conversation", decision.conversation)
	message = add_message(conversation, "Client", text, external_id=external_id, delivery_status="Delivered")
	return message, True


def stored_client_message(channel: str, external_id: str | None):
	if not external_id:
		return None
	name = frappe.db.get_value(
		"IQC Message", {"channel": channel, "author_type": "Client", "external_id": external_id}, "name"
	)
	return frappe.get_doc("IQC Message", name) if name else None


def post_operator_message(conversation, user: str, text, internal: bool = False):
	"""An operator's reply or note. Replies to API channels wait for webhook delivery."""
	ensure_not_closed(conversation.status)
	text = clean_text(text, settings.number("max_message_length"))
	channel_type = frappe.get_cached_value("IQC Channel", conversation.channel, "channel_type")
	status = "Pending" if channel_type == "API" and not internal else "Sent"
	return add_message(conversation, "Operator", text, author=user, internal=internal, delivery_status=status)


def client_history(client: str, before: int | None = None, limit: int = 50) -> dict:
	"""A page of the client's history across all conversations, oldest first.

	One extra older message is read to tell whether the page's first message continues a block
	and whether there is more to load.
	"""
	filters = {"client": client}
	if before:
		filters["name"] = ["<", before]
	rows = frappe.get_all(
		"IQC Message", filters=filters, fields=MESSAGE_FIELDS, order_by="name desc", limit=limit + 1
	)
	rows.reverse()
	starts = group_starts([MessageStamp(r.author_type, r.author, r.sent_at, bool(r.internal)) for r in rows])
	for row, start in zip(rows, starts, strict=True):
		row.group_start = start
		row.conversation = int(row.conversation)
	has_more = len(rows) > limit
	return {"messages": rows[1:] if has_more else rows, "has_more": has_more}
