"""The message store (layer: records): writing messages into conversations, their delivery states,
and reading a client's history as operators and as the client see it."""

import frappe
from frappe.utils import cint, now_datetime

from iqchannels.engine.messages import MessageStamp, group_starts
from iqchannels.records import realtime
from iqchannels.records.inputs import page_length
from iqchannels.records.operators import full_name
from iqchannels.records.rows import fast_insert

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
	"preview",
	"delivery_status",
	"sent_at",
	"delivered_at",
	"read_at",
	"external_id",
	"ticket",
	"channel",
	"reply_to",
	"edited_at",
	"delivery_error",
	"client",
]
CLIENT_VISIBLE_FIELDS = [
	"name",
	"conversation",
	"author_type",
	"author",
	"kind",
	"text",
	"attachment",
	"preview",
	"delivery_status",
	"sent_at",
	"external_id",
]
# Delivery states only move forward: a late "delivered" never undoes "read".
PROGRESS = {"Pending": 0, "Failed": 0, "Sent": 1, "Delivered": 2, "Read": 3}
# What a client's side may report of a reply it received.
REPORTED_STATES = {"delivered": "Delivered", "read": "Read"}


def add_message(
	conversation,
	author_type: str,
	text: str,
	author: str | None = None,
	internal: bool = False,
	external_id: str | None = None,
	delivery_status: str = "Sent",
	publish: bool = True,
	file: dict | None = None,
	ticket: int | str | None = None,
	**columns,
):
	"""Store a message and keep the conversation's timestamps and preview in step. `file`: the
	fields of a stored file (see files.store); `ticket`: the ticket the message was written for;
	`columns`: what else a channel knows of it (reply_to, original_html)."""
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
			"ticket": ticket,
			**columns,
			**(file or {}),
		}
	)
	if file:
		# Saved in full: Frappe's save hooks make the uploaded file the message's own.
		message.insert(ignore_permissions=True)
	else:
		fast_insert(message)
	changes = {"last_message_at": now}
	if not internal:
		changes["last_message_preview"] = text[:PREVIEW_LENGTH]
	if author_type == "Client":
		changes["last_client_message_at"] = now
		# Plain SQL here and below: written for every message, and neither record is kept in Frappe's
		# document cache, which `set_value` would clear in Redis each time.
		frappe.db.sql(
			"update `tabIQC Client` set last_seen_at=%s where name=%s",
			(now, str(columns.get("client") or conversation.client)),
		)
		changes["unread_count"] = (conversation.unread_count or 0) + 1
	elif author_type == "Operator" and not internal:
		changes["last_operator_message_at"] = now
		if not conversation.first_response_at:
			changes["first_response_at"] = now
	# A system remark (opened, assigned, transferred) is not activity in the conversation: its times
	# and its place in the operators' lists stay as they were.
	if author_type != "System":
		frappe.db.sql(
			f"update `tabIQC Conversation` set {', '.join(f'`{field}`=%({field})s' for field in changes)}"
			" where name=%(conversation)s",
			{**changes, "conversation": conversation.name},
		)
		conversation.update(changes)
	if publish:
		realtime.publish_conversation(
			"message-created",
			conversation,
			message=message.name,
			client=int(conversation.client),
			author_type=author_type,
			internal=bool(internal),
			# For the notification of a hidden tab; notes stay inside the conversation.
			preview=None if internal else text[:80],
		)
	return message


def client_view(message) -> dict:
	"""A message as its client sees it: who answered by first name only, never the operator's login."""
	row = frappe._dict({field: message.get(field) for field in CLIENT_VISIBLE_FIELDS})
	row.conversation = int(row.conversation)
	row.author_name = full_name(row.pop("author")).split(" ")[0] if row.author else None
	# The channel's own id of the message stays the channel's: a channel that shows it to the client
	# fills `local_id` in its own view (see channels.widget.visitor_view).
	row.pop("external_id")
	row.local_id = None
	return row


def add_system_message(conversation, text: str, publish: bool = True):
	return add_message(conversation, "System", text, internal=True, publish=publish)


def stored_client_message(channel: str, external_id: str | None):
	if not external_id:
		return None
	name = frappe.db.get_value(
		"IQC Message", {"channel": channel, "author_type": "Client", "external_id": external_id}, "name"
	)
	return frappe.get_doc("IQC Message", name) if name else None


def client_history(client: str, before: int | None = None, limit: int = 50) -> dict:
	"""A page of the client's history across all conversations, oldest first, as operators see it:
	a group chat's whole history is in the history of each of its clients, without the copies relayed
	to them.

	One extra older message is read to tell whether the page's first message continues a block
	and whether there is more to load.
	"""
	filters, or_filters = {"copy_of": ["is", "not set"]}, {"client": str(client)}
	if groups := group_chats_of(client):
		or_filters["conversation"] = ["in", groups]
	rows, has_more = history_page(filters, MESSAGE_FIELDS, before, limit, or_filters)
	starts = group_starts(
		[MessageStamp(r.author_type, r.author or writer_key(r), r.sent_at, bool(r.internal)) for r in rows]
	)
	names = {author: full_name(author) for author in {r.author for r in rows if r.author}}
	# In a group chat several clients write: each of their messages shows who wrote it.
	writers = {
		r.client for r in rows if r.author_type == "Client" and r.client and str(r.client) != str(client)
	}
	if writers:
		names.update(
			(writer_key(frappe._dict(author_type="Client", client=name)), full)
			for name, full in frappe.db.sql(
				"select name, full_name from `tabIQC Client` where name in %s", [list(writers)]
			)
		)
	for row, start in zip(rows, starts, strict=True):
		row.group_start = start
		row.author_name = names.get(row.author) or names.get(writer_key(row))
	with_quotes_and_originals(rows)
	return {"messages": rows[1:] if has_more else rows, "has_more": has_more}


def writer_key(row) -> str | None:
	"""Which client wrote a client's message: several do in a group chat."""
	return f"client:{row.client}" if row.author_type == "Client" else None


def with_quotes_and_originals(rows: list) -> None:
	"""The start of each message a row answers (`quote`), and whether the row has an original (the
	mail as sent) to open: two reads for the page, never one per message."""
	if not rows:
		return
	quoted = {row.reply_to for row in rows if row.reply_to}
	texts = (
		dict(
			frappe.get_all(
				"IQC Message", filters={"name": ["in", list(quoted)]}, fields=["name", "text"], as_list=True
			)
		)
		if quoted
		else {}
	)
	originals = set(
		frappe.get_all(
			"IQC Message",
			filters={"name": ["in", [row.name for row in rows]], "original_html": ["is", "set"]},
			pluck="name",
		)
	)
	for row in rows:
		row.quote = (texts.get(cint(row.reply_to)) or texts.get(row.reply_to) or "")[:PREVIEW_LENGTH] or None
		row.has_original = row.name in originals


def original_html(message: str | int) -> str:
	return frappe.db.get_value("IQC Message", cint(message), "original_html") or ""


def client_visible_history(
	client: str, channel: str, before: int | None = None, limit: int = 50, view=None
) -> dict:
	"""What the client sees on a channel: their messages and the replies, never notes or system remarks;
	each row as `view` (by default `client_view`) makes it."""
	filters = {"client": str(client), "channel": channel, "internal": 0}
	rows, has_more = history_page(filters, CLIENT_VISIBLE_FIELDS, before, limit)
	rows = [(view or client_view)(row) for row in rows]
	return {"messages": rows[1:] if has_more else rows, "has_more": has_more}


def group_chats_of(client: str) -> list[str]:
	"""The group chats the client is the client of or was added to."""
	return frappe.db.sql_list(
		"""select parent from `tabIQC Conversation Participant` where client=%(client)s
			and parenttype='IQC Conversation'
		union select name from `tabIQC Conversation` where client=%(client)s and kind='Group'""",
		{"client": str(client)},
	)


def history_page(
	filters: dict, fields: list[str], before: int | None, limit: int, or_filters: dict | None = None
) -> tuple[list, bool]:
	"""`limit` messages before `before` (all if None), oldest first, with one older message in front
	when there are more."""
	limit = page_length(limit)
	if before:
		filters["name"] = ["<", before]
	rows = frappe.get_all(
		"IQC Message",
		filters=filters,
		or_filters=or_filters,
		fields=fields,
		order_by="name desc",
		limit=limit + 1,
	)
	rows.reverse()
	for row in rows:
		row.conversation = int(row.conversation)
	return rows, len(rows) > limit


def open_conversation_of(client: str, channel: str):
	name = frappe.db.get_value(
		"IQC Conversation", {"client": str(client), "channel": channel, "status": ["!=", "Closed"]}, "name"
	)
	return frappe.get_doc("IQC Conversation", name) if name else None


def advance_delivery(message, status: str) -> bool:
	"""The client's side reports Delivered or Read; False when the message already went further."""
	if PROGRESS[status] <= PROGRESS.get(message.delivery_status, 0):
		return False
	changes = {"delivery_status": status, "next_attempt_at": None}
	stamp = {"Delivered": "delivered_at", "Read": "read_at"}[status]
	changes[stamp] = now_datetime()
	if status == "Read" and not message.delivered_at:
		changes["delivered_at"] = changes[stamp]
	frappe.db.set_value("IQC Message", message.name, changes, update_modified=False)
	message.update(changes)
	publish_delivery(message)
	return True


def publish_delivery(message) -> None:
	conversation = frappe.db.get_value(
		"IQC Conversation", message.conversation, ["name", "status", "operator", "line"], as_dict=True
	)
	realtime.publish_conversation(
		"message-updated", conversation, message=message.name, delivery_status=message.delivery_status
	)
