"""A group chat's messages reach every client of the group (layer: flows).

A group chat is a conversation of kind Group: its client, the other clients added to it (each on their
own channel) and the colleagues invited to it. What anyone writes is stored once in the group's
history; every client of the group other than the one it is addressed to (or written by) gets a relayed
copy on their own channel, signed with the writer's name. Copies belong to the receiving client's
history on that channel, so each client's widget, bot or mailbox shows the whole group, while the
operators read the group's history without them. A file is relayed by its name: the file itself stays
with the message it came in.
"""

import frappe
from frappe.utils import now_datetime

from iqchannels.channels.registry import adapter_of
from iqchannels.records.operators import full_name
from iqchannels.records.rows import insert_row

GROUP = "Group"


def participants(conversation) -> list[frappe._dict]:
	"""The group's clients, each with the channel they take part on: the conversation's own first."""
	rows = frappe.db.sql(
		"""select client, channel from `tabIQC Conversation Participant`
		where parent=%s and parenttype='IQC Conversation' order by idx""",
		str(conversation.name),
		as_dict=True,
	)
	return [frappe._dict(client=str(conversation.client), channel=conversation.channel)] + rows


def group_of(client: str, channel: str) -> str | None:
	"""The open group chat a client takes part in on a channel besides being its own client."""
	rows = frappe.db.sql(
		"""select p.parent from `tabIQC Conversation Participant` p
		join `tabIQC Conversation` c on c.name = p.parent
		where p.client=%s and p.channel=%s and p.parenttype='IQC Conversation' and c.status != 'Closed'
		order by p.creation desc limit 1""",
		(str(client), channel),
	)
	return rows[0][0] if rows else None


def deliver(conversation, message) -> None:
	"""Bring a client-visible message to the client it is addressed to (or, one the client wrote, to
	their other devices), and in a group chat to the group's other clients."""
	if str(message.client) == str(conversation.client):
		adapter_of(conversation.channel).deliver(conversation, message)
	else:
		adapter_of(message.channel).deliver(addressed_to(conversation, message), message)
	relay(conversation, message)


def addressed_to(conversation, member) -> frappe._dict:
	"""The conversation as one of its group's clients has it: theirs, on their channel."""
	return frappe._dict(name=conversation.name, client=str(member.client), channel=member.channel)


def relay(conversation, message) -> list:
	"""Copies of a group's message for its other clients, each delivered on that client's channel."""
	if conversation.get("kind") != GROUP or message.internal or message.author_type == "System":
		return []
	writer = writer_name(message)
	text = f"{writer}: {message.text}" if writer else message.text
	copies = []
	for member in participants(conversation):
		if member.client == str(message.client):
			continue
		adapter = adapter_of(member.channel)
		copy = insert_row(
			"IQC Message",
			conversation=conversation.name,
			client=member.client,
			channel=member.channel,
			author_type="Bot",
			author=message.author,
			text=text,
			copy_of=message.name,
			internal=0,
			delivery_status=adapter.reply_state(member.channel),
			sent_at=now_datetime(),
		)
		adapter.deliver(addressed_to(conversation, member), copy)
		copies.append(copy)
	return copies


def writer_name(message) -> str | None:
	if message.author_type == "Client":
		return frappe.db.get_value("IQC Client", str(message.client), "full_name")
	if message.author:
		return full_name(message.author)
	return None
