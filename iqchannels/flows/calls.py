"""Calls made from the workspace (layer: flows): click-to-call through the channel's PBX.

The PBX first rings the operator's extension, then the client's number. The call is written at once,
Ringing and Outbound, under the id of the command sent to the PBX; the PBX's events then find it by that
command (flows.call_events) and it takes the PBX's own id. If the PBX refuses, nothing is written and
the operator is told why.
"""

import time

import frappe
from frappe import _
from frappe.utils import now_datetime

from iqchannels.channels.phone import CHANNEL_TYPE, PbxError, PbxUnavailable, place_call
from iqchannels.engine import calls as engine
from iqchannels.records import calls, roles
from iqchannels.records.callbacks import phone_channel_for
from iqchannels.records.client_access import can_reach_client
from iqchannels.records.exceptions import fail
from iqchannels.records.operators import lines_of
from iqchannels.records.phones import client_for_phone, normalise


def call_client(user: str, client=None, phone: str | None = None, conversation=None) -> str:
	"""Ring the operator's extension, then the client's number; returns the IQC Call's name."""
	if not roles.is_operator(user):
		fail("forbidden", "Only operators place calls.")
	extension = calls.extension_of(user)
	if not extension:
		fail(
			"invalid", "You have no phone extension: ask an administrator to set it on your operator record."
		)
	if client and not can_reach_client(client, user):
		fail("forbidden", "You cannot call this client.")
	channel = channel_for(user, conversation)
	number = (phone or (frappe.db.get_value("IQC Client", client, "phone") if client else "") or "").strip()
	if not number:
		fail("invalid", "There is no phone number to call.")
	parsed = normalise(number, channel.phone_region)
	if not parsed.e164:
		fail("invalid", "{0} is not a phone number that can be called.", number)
	# A refused call leaves nothing behind: neither the call nor a client made for its number.
	frappe.db.savepoint("iqc_place_call")
	if not client:
		client, _made = client_for_phone(channel, parsed)
	command_id = frappe.generate_hash(length=20)
	now = now_datetime()
	state = engine.merge(None, engine.Placed(int(time.time()), parsed.e164, extension))
	values = {
		"direction": engine.OUTBOUND,
		"state": engine.RINGING,
		"channel": channel.name,
		"line": line_of(channel, conversation),
		"operator": user,
		"extension": extension,
		"client": str(client),
		"client_name": frappe.db.get_value("IQC Client", client, "full_name"),
		"phone": parsed.e164,
		"phone_e164": parsed.e164,
		"pbx_call_id": calls.PLACED_PREFIX + command_id,
		"pbx_state": calls.dumps(state),
		"started_at": now,
		"conversation": conversation,
	}
	name = calls.insert_call(values)
	try:
		place_call(channel, extension, parsed.e164, command_id)
	except PbxError as e:
		frappe.db.rollback(save_point="iqc_place_call")
		frappe.throw(_("The PBX did not place the call: {0}.").format(str(e)), PbxUnavailable)
	calls.publish_call(frappe._dict(values, name=name))
	return name


def channel_for(user: str, conversation=None):
	"""The phone channel of the callback request, else the one serving the operator's first line."""
	if conversation:
		channel = frappe.db.get_value("IQC Conversation", conversation, "channel")
		if channel and frappe.get_cached_value("IQC Channel", channel, "channel_type") == CHANNEL_TYPE:
			return enabled(frappe.get_cached_doc("IQC Channel", channel))
	lines = lines_of(user)
	channel = phone_channel_for(lines[0] if lines else "")
	if not channel:
		fail("conflict", "Calls from the workspace are not set up on this site: add a telephony channel.")
	return enabled(channel)


def enabled(channel):
	if not channel.enabled:
		fail("conflict", "Channel {0} is disabled.", channel.name)
	return channel


def line_of(channel, conversation=None) -> str | None:
	if conversation:
		return frappe.db.get_value("IQC Conversation", conversation, "line") or channel.default_line
	return channel.default_line
