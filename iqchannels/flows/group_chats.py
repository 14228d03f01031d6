"""Group chats (layer: flows): from a client, an operator opens a chat with the client, colleagues and
other clients of the client's company.

It is a conversation of kind Group held by the operator who opened it, in one of their lines: the
colleagues join it as collaborators (they write beside the owner), the other clients as its
participants, each on their latest reachable channel. Everyone's messages reach every client on their
own channel (see group_relay) and the colleagues in their workspace; it is closed like any
conversation, and after that the clients' messages open ordinary conversations again.
"""

import frappe
from frappe import _
from frappe.utils import now_datetime

from iqchannels.flows.group_relay import GROUP
from iqchannels.flows.proactive import free_channel, open_held
from iqchannels.flows.replies import post_operator_message
from iqchannels.flows.transfers import ensure_operator, invite
from iqchannels.records.exceptions import fail
from iqchannels.records.messages import add_system_message
from iqchannels.records.operators import full_name
from iqchannels.records.rows import fast_insert

MAX_MEMBERS = 20
PROFILE_FIELDS = ["name", "full_name", "company", "blocked", "vip"]


def start(client: str, line: str, user: str, colleagues: list, clients: list, text: str):
	"""Open a group chat with `client`, the `colleagues` (operators) and `clients` of the client's
	company, held by `user` in `line`, and send `text` to everyone."""
	if not str(client or "").strip():
		fail("invalid", "A group chat needs a client.")
	if not (text or "").strip():
		fail("invalid", "Write the first message to the group.")
	colleagues = list(dict.fromkeys(c for c in colleagues if c and c != user))
	others = list(dict.fromkeys(str(c) for c in clients if str(c) and str(c) != str(client)))
	if len(colleagues) + len(others) > MAX_MEMBERS:
		fail("invalid", "A group chat takes at most {0} colleagues and clients.", MAX_MEMBERS)
	if not colleagues and not others:
		fail("invalid", "Choose a colleague or another client of the company for the group.")
	for colleague in colleagues:
		ensure_operator(colleague)
	profile = client_profile(client)
	members = [client_profile(other) for other in others]
	for member in members:
		if not profile.company or member.company != profile.company:
			fail(
				"invalid",
				"{0} is not a client of {1}'s company: only colleagues and the company's clients join a group.",
				member.full_name,
				profile.full_name,
			)
	channels = {member.name: free_channel(member) for member in [profile, *members]}
	conversation = open_held(profile, channels[profile.name], line, user, kind=GROUP)
	now = now_datetime()
	for idx, member in enumerate(members, 1):
		fast_insert(
			frappe.get_doc(
				{
					"doctype": "IQC Conversation Participant",
					"parent": conversation.name,
					"parenttype": "IQC Conversation",
					"parentfield": "group_clients",
					"idx": idx,
					"client": member.name,
					"client_name": member.full_name,
					"channel": channels[member.name],
					"added_by": user,
					"added_at": now,
				}
			)
		)
	if members:
		add_system_message(
			conversation,
			_("{0} added {1} to the group").format(
				full_name(user), ", ".join(member.full_name for member in members)
			),
		)
	for colleague in colleagues:
		invite(conversation, user, colleague)
	post_operator_message(conversation, user, text)
	return conversation


def client_profile(client) -> frappe._dict:
	profile = frappe.db.get_value("IQC Client", str(client), PROFILE_FIELDS, as_dict=True)
	if not profile:
		fail("not_found", "Client {0} does not exist.", client)
	if profile.blocked:
		fail("invalid", "Client {0} is blocked: unblock them on their card first.", profile.full_name)
	profile.name = str(profile.name)
	return profile
