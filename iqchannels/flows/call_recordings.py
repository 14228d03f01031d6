"""Recordings of calls (layer: flows): fetched from the PBX the first time someone entitled plays one, then
kept as a private file of the call.

Mango Office gives a recording only through a signed query whose link is valid once, so the app keeps
the file; a generic PBX gives a link, fetched the same way. Who may play a recording is decided by the
endpoints (records.calls.can_see_call); a signed link lets the browser's audio player fetch it.
"""

import hashlib
import hmac
import mimetypes
import time

import frappe
from frappe.utils.password import get_encryption_key

from iqchannels.channels.phone import PbxError, PbxUnavailable, fetch_recording
from iqchannels.records.exceptions import fail
from iqchannels.records.signing import same

LINK_MINUTES = 15
EXTENSIONS = {
	"audio/mpeg": "mp3",
	"audio/mp3": "mp3",
	"audio/wav": "wav",
	"audio/x-wav": "wav",
	"audio/ogg": "ogg",
}


def recording(call) -> tuple[bytes, str, str]:
	"""The call's recording: (bytes, file name, MIME type), fetched from the PBX on its first play."""
	if call.recording_file:
		file = frappe.get_doc("File", {"file_url": call.recording_file})
		return file.get_content(), file.file_name, mimetypes.guess_type(file.file_name)[0] or "audio/mpeg"
	if not (call.recording_id or call.recording_url):
		fail("not_found", "Call {0} has no recording.", call.name)
	channel = frappe.get_cached_doc("IQC Channel", call.channel)
	try:
		content, kind = fetch_recording(channel, call.recording_id, call.recording_url)
	except PbxError as e:
		frappe.throw(
			frappe._("The recording could not be fetched from the PBX: {0}.").format(str(e)), PbxUnavailable
		)
	name = f"call-{call.name}.{EXTENSIONS.get(kind, 'mp3')}"
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": name,
			"attached_to_doctype": "IQC Call",
			"attached_to_name": str(call.name),
			"attached_to_field": "recording_file",
			"is_private": 1,
			"content": content,
		}
	).insert(ignore_permissions=True)
	frappe.db.set_value("IQC Call", call.name, "recording_file", file.file_url, update_modified=False)
	# Played by a GET: what was fetched is kept all the same.
	frappe.local.flags.commit = True
	return content, name, kind if kind.startswith("audio/") else "audio/mpeg"


def link_token(call: str, expires: int) -> str:
	message = f"iqc-recording:{call}:{expires}".encode()
	return hmac.new(get_encryption_key().encode(), message, hashlib.sha256).hexdigest()


def signed_link(call: str) -> dict:
	"""A link to the recording that works without a session until it expires."""
	expires = int(time.time()) + LINK_MINUTES * 60
	token = link_token(str(call), expires)
	url = f"/api/method/iqchannels.api.calls.play?call={call}&expires={expires}&token={token}"
	return {"url": url, "expires": expires}


def link_valid(call: str, expires, token: str | None) -> bool:
	try:
		expires = int(expires)
	except (TypeError, ValueError):
		return False
	if expires < time.time() or not token:
		return False
	return same(link_token(str(call), expires), token)
