"""Calls for operators and supervisors (layer: endpoints): click-to-call, a call's recording, its notes.

A recording is played only by those who may see the call: supervisors (of its line's segment), its
operator, and operators who may read the client's conversations. It is served by `recording` to a
logged-in person, or through `recording_link`, a signed link valid for a few minutes, which an audio
player can fetch on its own (`play`).
"""

import frappe
from frappe.utils import cint

from iqchannels.api.operator import require_operator
from iqchannels.flows import call_recordings
from iqchannels.flows.calls import call_client
from iqchannels.records import roles
from iqchannels.records.calls import can_see_call
from iqchannels.records.exceptions import fail, http_errors
from iqchannels.records.rate_limit import rate_limit

MAX_DISPOSITION = 2000
CALL_FIELDS = [
	"name",
	"channel",
	"line",
	"operator",
	"client",
	"recording_id",
	"recording_file",
	"recording_url",
]


@frappe.whitelist(methods=["POST"])
@http_errors
def call(
	client: str | int | None = None, phone: str | None = None, conversation: str | int | None = None
) -> dict:
	"""Click-to-call: the PBX rings my extension, then the client (or the number)."""
	user = require_operator()
	if not (client or phone):
		fail("invalid", "Say whom to call: a client or a phone number.")
	if client and not frappe.db.exists("IQC Client", client):
		fail("not_found", "Client {0} does not exist.", client)
	name = call_client(user, client=client, phone=phone, conversation=conversation)
	return {"call": name, "state": frappe.db.get_value("IQC Call", name, "state")}


@frappe.whitelist()
@http_errors
def recording(call: str | int) -> None:
	"""The call's recording as audio, for a logged-in person who may see the call."""
	require_operator()
	serve(visible_call(call))


@frappe.whitelist()
@http_errors
def recording_link(call: str | int) -> dict:
	"""A signed link to the call's recording, valid for a few minutes (for an audio player)."""
	require_operator()
	found = visible_call(call)
	if not (found.recording_file or found.recording_id or found.recording_url):
		fail("not_found", "Call {0} has no recording.", found.name)
	return call_recordings.signed_link(found.name)


@frappe.whitelist(allow_guest=True)
@rate_limit(limit=600, seconds=60)
@http_errors
def play(call: str | int, expires: int | str, token: str) -> None:
	"""The recording through a signed link that has not expired."""
	if not call_recordings.link_valid(str(cint(call)), expires, token):
		fail("forbidden", "This link to the recording is wrong or has expired.")
	serve(existing_call(call))


@frappe.whitelist(methods=["POST"])
@http_errors
def set_disposition(call: str | int, notes: str | None = None) -> dict:
	"""The operator's notes on the call (what was agreed, why it was missed)."""
	user = require_operator()
	found = visible_call(call)
	if found.operator != user and not roles.is_supervisor(user):
		fail("forbidden", "Only the call's operator or a supervisor writes its notes.")
	notes = (notes or "").strip()
	if len(notes) > MAX_DISPOSITION:
		fail("invalid", "The notes are longer than {0} characters.", MAX_DISPOSITION)
	frappe.db.set_value("IQC Call", found.name, "disposition", notes or None)
	return {"call": found.name, "disposition": notes or None}


def existing_call(name):
	found = (
		frappe.db.get_value("IQC Call", cint(name), CALL_FIELDS, as_dict=True)
		if str(name or "").isdigit()
		else None
	)
	if not found:
		fail("not_found", "Call {0} does not exist.", name)
	return found


def visible_call(name):
	found = existing_call(name)
	if not can_see_call(found):
		fail("forbidden", "You may not see call {0}.", name)
	return found


def serve(found) -> None:
	content, file_name, kind = call_recordings.recording(found)
	frappe.local.response.update(
		{
			"type": "download",
			"filename": file_name,
			"filecontent": content,
			"content_type": kind,
			"display_content_as": "inline",
		}
	)
