"""An operator starts a conversation with a client from the Clients view (layer: flows).

It opens in the line the operator chose, assigned to them at once, on the client's latest reachable
channel: of the channels where the client has an identity not marked unreachable, the one of their
most recent conversation (else the identity added last). The first message goes out through that
channel like any reply, and the conversation is worked and closed like any other. A proactive start is
the operator's own choice, so it is not refused for a full set of slots.
"""

import frappe
from frappe import _
from frappe.utils import now_datetime

from iqchannels.engine.lifecycle import queue_priority
from iqchannels.engine.routing import Assignment
from iqchannels.flows.group_relay import group_of
from iqchannels.flows.lifecycle import assign
from iqchannels.flows.replies import post_operator_message
from iqchannels.records import realtime
from iqchannels.records.exceptions import fail
from iqchannels.records.messages import add_system_message
from iqchannels.records.operators import full_name, held_conversations, operator_doc, slots_of
from iqchannels.records.rows import insert_row

PROACTIVE_RULE = "started by the operator"


def reachable_channel(client: str) -> str | None:
	channels = frappe.db.sql_list(
		"""select channel from `tabIQC Client Identity`
		where parent=%s and parenttype='IQC Client' and unreachable=0 and ifnull(channel, '') != ''
		order by idx desc""",
		str(client),
	)
	if not channels:
		return None
	latest = frappe.db.sql_list(
		"""select channel from `tabIQC Conversation` where client=%s and channel in %s
		order by name desc limit 1""",
		(str(client), channels),
	)
	return latest[0] if latest else channels[0]


def start(client: str, line: str, user: str, text: str):
	"""Open a conversation with `client` in `line`, held by `user`, and send `text` to the client."""
	if not (text or "").strip():
		fail("invalid", "Write the first message to the client.")
	profile = frappe.db.get_value(
		"IQC Client", str(client), ["name", "full_name", "vip", "blocked"], as_dict=True
	)
	if profile.blocked:
		fail("invalid", "Client {0} is blocked: unblock them on their card first.", profile.full_name)
	conversation = open_held(profile, free_channel(profile), line, user)
	post_operator_message(conversation, user, text)
	return conversation


def free_channel(profile) -> str:
	"""The client's latest reachable channel, when nothing is open with them there."""
	channel = reachable_channel(profile.name)
	if not channel:
		fail("invalid", "Client {0} cannot be reached on any channel.", profile.full_name)
	if frappe.db.exists(
		"IQC Conversation", {"client": profile.name, "channel": channel, "status": ["!=", "Closed"]}
	) or group_of(profile.name, channel):
		fail(
			"conflict",
			"Client {0} already has an open conversation on channel {1}: continue it instead.",
			profile.full_name,
			channel,
		)
	return channel


def open_held(profile, channel: str, line: str, user: str, **values):
	"""A conversation opened by `user` and held by them; `values`: more of its fields (its kind)."""
	now = now_datetime()
	line_priority = frappe.db.get_value("IQC Line", line, "priority")
	conversation = insert_row(
		"IQC Conversation",
		client=profile.name,
		client_name=profile.full_name,
		channel=channel,
		line=line,
		status="Queued",
		priority=queue_priority(bool(profile.vip), line_priority),
		opened_at=now,
		queued_at=now,
		last_message_at=now,
		**values,
	)
	add_system_message(
		conversation,
		_("Conversation #{0} started by {1} in line {2}").format(conversation.name, full_name(user), line),
	)
	operator = operator_doc(user)
	decision = Assignment(
		conversation=str(conversation.name),
		operator=user,
		rule=PROACTIVE_RULE,
		load_before=len(held_conversations(user)),
		slots=slots_of(operator),
	)
	if not assign(conversation.name, user, decision, by=user):
		fail("conflict", "The conversation could not be opened: try again.")
	realtime.publish(
		"client-conversation-started", {"conversation": conversation.name, "client": profile.name}, [user]
	)
	return frappe.get_doc("IQC Conversation", conversation.name)
