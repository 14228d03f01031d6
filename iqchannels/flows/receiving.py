"""Receiving a client's message (layer: flows): the one inbound path of every channel.

A channel turns what it received into an `Inbound` message (channels.base); `receive` finds or makes
the client's profile by the identity the channel knows them by, and stores the message in the client's
open conversation on that channel, opening one when none is. A channel that threads (e-mail) names the
earlier messages a new one continues: it joins the open conversation that holds one of them, and
anything else opens a conversation of its own.
"""

import frappe
from frappe import _
from frappe.utils import now_datetime

from iqchannels.channels.base import Inbound
from iqchannels.engine.lifecycle import place_client_message
from iqchannels.engine.messages import clean_text
from iqchannels.flows.group_relay import group_of
from iqchannels.flows.lifecycle import core_of, open_conversation, say
from iqchannels.flows.tickets import client_wrote
from iqchannels.records import files, realtime, settings
from iqchannels.records.clients import find_or_make_client, mark_reachable
from iqchannels.records.messages import stored_client_message

# What a client's message needs of their profile: to open a conversation and to refuse a blocked client.
PROFILE_COLUMNS = "name, full_name, vip, blocked, client_type, language"


def receive(inbound: Inbound):
	"""Store what a channel received; returns (message, created) as `receive_client_message` does:
	the first message stored when the channel's message made several (its text, then each file)."""
	# Checked before the client is looked up or made, so a refused message leaves no trace.
	parts = message_parts(inbound)
	client, new_client = find_or_make_client(
		inbound.channel,
		inbound.client_id,
		profile=inbound.profile,
		join=inbound.join,
		customer_id=inbound.customer_id,
		label=inbound.label,
	)
	if inbound.edited and (edited := edit_client_message(inbound.channel.name, inbound.message_id, parts)):
		return edited, False
	return receive_client_message(
		inbound.channel,
		client,
		parts[0][0],
		external_id=inbound.message_id,
		upload=parts[0][1],
		more_files=[upload for _text, upload in parts[1:]],
		refused=inbound.refused,
		reply_to=inbound.reply_to,
		thread=inbound.thread,
		subject=inbound.subject,
		html=inbound.html,
		automated=inbound.automated,
		new_client=new_client,
	)


def message_parts(inbound: Inbound) -> list[tuple[str, object]]:
	"""(text, file) of each message the inbound one makes: its text (with the one file of a web chat or
	API upload), then one message per further file. Only refused files: a line saying so."""
	limit = settings.number("max_message_length")
	text = (inbound.text or "").strip()
	parts = [(clean_text(text, limit), inbound.upload)] if text else []
	files_left = inbound.uploads if text or not inbound.upload else [inbound.upload, *inbound.uploads]
	parts += [(clean_text(upload.name, limit), upload) for upload in files_left]
	if not parts and inbound.refused:
		parts = [(_("A file that was not accepted"), None)]
	if not parts:
		clean_text(text, limit)  # refuses the empty message with its reason
	return parts


def receive_client_message(
	channel,
	client: str,
	text,
	external_id: str | None = None,
	upload: files.Upload | None = None,
	more_files: list | None = None,
	refused: list | None = None,
	reply_to: str | None = None,
	thread: list | None = None,
	subject: str | None = None,
	html: str | None = None,
	automated: bool = False,
	new_client: bool = False,
):
	"""A client wrote (`upload`: sent a file, see files.checked): store the message in the open
	conversation, opening one if none is; `more_files` follow as messages of their own, and the client
	is told why the `refused` files were not taken.

	Returns (message, created). A retry with an `external_id` already stored returns the stored
	message and writes nothing, also when the copies arrive at once: each waits for the one before.
	`new_client`: the profile was made in this transaction, so it has nothing stored yet and no other
	request can write for it before this one commits.
	"""
	text = clean_text(text, settings.number("max_message_length"))
	# Link columns to numbered documents are strings: compare them with strings to use their indexes.
	client = str(client)
	open_one = None
	if not new_client:
		if stored := stored_client_message(channel.name, external_id):
			return stored, False
		# One client's messages are placed one at a time, so two at once never open two conversations
		# or store one message twice. The client's row lock opens a fresh transaction, so once it is
		# held every read sees what the copy before this one committed; in the transaction the request
		# began with, it would not.
		frappe.db.commit()
		profile = frappe.db.sql(
			f"select {PROFILE_COLUMNS} from `tabIQC Client` where name=%s for update", client, as_dict=True
		)[0]
		if stored := stored_client_message(channel.name, external_id):
			return stored, False
		open_one = conversation_to_join(client, channel.name, thread)
	else:
		profile = frappe.db.sql(
			f"select {PROFILE_COLUMNS} from `tabIQC Client` where name=%s", client, as_dict=True
		)[0]
	decision = place_client_message(open_one, bool(profile.blocked))
	if decision.opens_conversation:
		conversation = open_conversation(profile, channel, text, subject=subject, autoreplies=not automated)
	else:
		# What storing and announcing a message needs of the conversation, without its whole document.
		conversation = core_of(decision.conversation)
	fields = {"external_id": external_id, "delivery_status": "Delivered"}
	if reply_to:
		fields["reply_to"] = channel_message(channel.name, reply_to)
	if html:
		fields["original_html"] = html
	if str(conversation.client) != client:  # one of a group chat's other clients
		fields.update(client=client, channel=channel.name)
	message = say(conversation, "Client", text, file=files.store(upload) if upload else None, **fields)
	for number, more in enumerate(more_files or [], 1):
		say(
			conversation,
			"Client",
			more.name,
			external_id=f"{external_id}#{number}" if external_id else None,
			delivery_status="Delivered",
			file=files.store(more),
		)
	# The client is told on their channel which files did not come through, unless a machine wrote.
	for reason in [] if automated else refused or []:
		say(conversation, "Bot", reason)
	if not new_client:
		mark_reachable(client, channel.name)
		client_wrote(client, text)
	return message, True


def conversation_to_join(client: str, channel: str, thread: list | None) -> str | None:
	"""The open conversation a client's message belongs to: on a threading channel, the open one that
	holds a message the new one continues; otherwise the client's open conversation on the channel, or
	the open group chat they were added to on it."""
	if thread is None:
		# Plain SQL: asked for every client message, where the query builder costs more than the read.
		rows = frappe.db.sql(
			"""select name from `tabIQC Conversation`
			where client=%s and channel=%s and status != 'Closed' order by modified desc limit 1""",
			(client, channel),
		)
		return rows[0][0] if rows else group_of(client, channel)
	if not thread:
		return None
	rows = frappe.db.sql(
		"""select m.conversation from `tabIQC Message` m
		join `tabIQC Conversation` c on c.name = m.conversation
		where m.channel=%(channel)s and m.author_type in ('Client', 'Operator', 'Bot')
			and m.external_id in %(thread)s and c.client=%(client)s and c.status != 'Closed'
		order by m.name desc limit 1""",
		{"channel": channel, "thread": tuple(thread), "client": client},
	)
	return rows[0][0] if rows else None


def channel_message(channel: str, external_id: str) -> str | None:
	"""Our message that the channel knows by `external_id` (the one a client's reply quotes)."""
	return frappe.db.get_value("IQC Message", {"channel": channel, "external_id": external_id}, "name")


def edit_client_message(channel: str, external_id: str | None, parts: list):
	"""The client changed a message they sent: it keeps its place with the new text and is shown as
	edited. None when the message is not known (its copy is then stored as new)."""
	message = stored_client_message(channel, external_id)
	if not message:
		return None
	text = parts[0][0]
	if message.kind == "Text" and text != message.text:
		changes = {"text": text, "edited_at": now_datetime()}
		frappe.db.set_value("IQC Message", message.name, changes, update_modified=False)
		message.update(changes)
		conversation = frappe.db.get_value(
			"IQC Conversation", message.conversation, ["name", "status", "operator", "line"], as_dict=True
		)
		realtime.publish_conversation(
			"message-updated", conversation, message=message.name, text=text, edited_at=str(message.edited_at)
		)
	return message
