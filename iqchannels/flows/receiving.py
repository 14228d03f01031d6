"""Receiving a client's message (layer: flows): the one inbound path of every channel.

A channel turns what it received into an `Inbound` message (channels.base); `receive` finds or makes
the client's profile by the identity the channel knows them by, and stores the message in the client's
open conversation on that channel, opening one when none is.
"""

import frappe

from iqchannels.channels.base import Inbound
from iqchannels.engine.lifecycle import place_client_message
from iqchannels.engine.messages import clean_text
from iqchannels.flows.lifecycle import open_conversation, say
from iqchannels.flows.tickets import client_wrote
from iqchannels.records import files, settings
from iqchannels.records.clients import client_for_identity
from iqchannels.records.messages import stored_client_message


def receive(inbound: Inbound):
	"""Store what a channel received; returns (message, created) as `receive_client_message` does."""
	# Checked before the client is looked up or made, so a refused message leaves no trace.
	clean_text(inbound.text, settings.number("max_message_length"))
	client = client_for_identity(
		inbound.channel,
		inbound.client_id,
		profile=inbound.profile,
		join=inbound.join,
		customer_id=inbound.customer_id,
	)
	return receive_client_message(
		inbound.channel, client, inbound.text, external_id=inbound.message_id, upload=inbound.upload
	)


def receive_client_message(
	channel, client: str, text, external_id: str | None = None, upload: tuple | None = None
):
	"""A client wrote (`upload`: sent a file, see files.checked): store the message in the open
	conversation, opening one if none is.

	Returns (message, created). A retry with an `external_id` already stored returns the stored
	message and writes nothing, also when the copies arrive at once: each waits for the one before.
	"""
	text = clean_text(text, settings.number("max_message_length"))
	# Link columns to numbered documents are strings: compare them with strings to use their indexes.
	client = str(client)
	if stored := stored_client_message(channel.name, external_id):
		return stored, False
	# One client's messages are placed one at a time, so two at once never open two conversations or
	# store one message twice. The client's row lock opens a fresh transaction (what came before, a
	# profile made for a first message, is committed), so once it is held every read sees what the
	# copy before this one committed; in the transaction the request began with, it would not.
	frappe.db.commit()
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
	message = say(
		conversation,
		"Client",
		text,
		external_id=external_id,
		delivery_status="Delivered",
		file=files.store(upload) if upload else None,
	)
	client_wrote(client, text)
	return message, True
