"""Telephony endpoints (layer: endpoints): what PBXs post about their calls.

Mango Office posts to the address given in its settings followed by the event's path:
POST /api/method/iqchannels.api.telephony.mango/events/call (also events/summary, events/recording), a
form of `vpbx_api_key` (which names the channel), `json` and `sign` = sha256(vpbx_api_key + json + salt).
Any other PBX posts one JSON event to /api/method/iqchannels.api.telephony.event, signed like the
inbound API (header X-IQChannels-Signature: sha256=<HMAC-SHA256 of the raw body with the channel's
secret>). A wrong signature is refused with 401 and writes nothing; an unknown channel gets 404; an event
that cannot be read gets 400 with the reason. See README for both.
"""

import frappe
from frappe import _

from iqchannels.api.inbound import MAX_BODY_BYTES, SIGNATURE_HEADER, parse
from iqchannels.channels import phone
from iqchannels.flows.call_events import ingest
from iqchannels.records.exceptions import BadSignature, fail, http_errors
from iqchannels.records.rate_limit import rate_limit
from iqchannels.records.signing import is_valid

MANGO_PATH = "iqchannels.api.telephony.mango"
MANGO_EVENTS = {
	"events/call": phone.parse_mango_call,
	"events/summary": phone.parse_mango_summary,
	"events/recording": phone.parse_mango_recording,
}
# A busy PBX posts several calls' events at once; their locks (a new client, a line's queue) can cross,
# and MariaDB then gives one transaction up. The event is applied again on a fresh transaction.
DEADLOCK_ATTEMPTS = 3


@frappe.whitelist(allow_guest=True, methods=["POST"])
# A PBX posts from one address: a busy one, 10,000 events a minute.
@rate_limit(limit=30000, seconds=60)
@http_errors
def mango() -> dict:
	"""An event of Mango Office's virtual PBX; the event's kind is the path after the method's name.
	Other notifications it sends (results of commands, DTMF, SMS) are taken and left aside."""
	form = frappe.form_dict
	key, json_text, signature = form.get("vpbx_api_key"), form.get("json"), form.get("sign")
	if len(json_text or "") > MAX_BODY_BYTES:
		fail("invalid", "The request is too large: at most {0} bytes are accepted.", MAX_BODY_BYTES)
	channel = phone_channel("pbx_api_key", key, phone.MANGO)
	if not phone.mango_signature_ok(channel, key, json_text, signature):
		wrong_signature("sign the json field as sha256(vpbx_api_key + json + the API salt)")
	kind = mango_kind(frappe.request.path)
	if kind not in MANGO_EVENTS:
		return {"result": 1000, "ignored": kind}
	payload = parse((json_text or "").encode())
	return {"result": 1000, "call": apply(channel, MANGO_EVENTS[kind], payload)}


@frappe.whitelist(allow_guest=True, methods=["POST"])
# A PBX posts from one address: a busy one, 10,000 events a minute.
@rate_limit(limit=30000, seconds=60)
@http_errors
def event() -> dict:
	"""One event of the generic telephony API: {channel, call_id, event, ...} (see README)."""
	body = frappe.request.get_data(cache=True) or b""
	if len(body) > MAX_BODY_BYTES:
		fail("invalid", "The request is too large: at most {0} bytes are accepted.", MAX_BODY_BYTES)
	payload = parse(body)
	name = payload.get("channel")
	if not name or not isinstance(name, str):
		fail("invalid", "The request names no channel.")
	channel = phone_channel("name", name, phone.GENERIC)
	secret = channel.get_password("secret", raise_exception=False)
	if not is_valid(secret, body, frappe.get_request_header(SIGNATURE_HEADER)):
		wrong_signature("sign the raw body with the channel's secret")
	return {"call": apply(channel, phone.parse_generic, payload)}


def apply(channel, parser, payload: dict) -> str | None:
	try:
		parsed = parser(payload)
	except phone.BadEvent as e:
		fail("invalid", e.message, *e.args_)
	pbx_call_id, call_event, command = (*parsed, None)[:3]
	for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
		try:
			name = ingest(channel, pbx_call_id, call_event, command_id=command)
			break
		except frappe.QueryDeadlockError:
			if attempt == DEADLOCK_ATTEMPTS:
				raise
			frappe.db.rollback()
	frappe.local.response.http_status_code = 200
	return name


def phone_channel(field: str, label, pbx_type: str):
	"""The telephony channel a request is for, by its API key (Mango Office) or its name (generic)."""
	# Plain SQL: read for every event of a busy PBX, where the query builder costs more than the read.
	rows = label and frappe.db.sql(
		f"select name from `tabIQC Channel` where `{field}`=%s and channel_type=%s order by modified desc limit 1",
		(label, phone.CHANNEL_TYPE),
	)
	name = rows[0][0] if rows else None
	if not name:
		fail("not_found", "Unknown telephony channel {0}.", label or "")
	channel = frappe.get_cached_doc("IQC Channel", name)
	if (channel.pbx_type or phone.MANGO) != pbx_type:
		fail("invalid", "Channel {0} takes its calls through the {1} API.", name, _(channel.pbx_type))
	if not channel.enabled:
		fail("forbidden", "Channel {0} is disabled.", name)
	return channel


def mango_kind(path: str) -> str:
	"""events/call of /api/method/iqchannels.api.telephony.mango/events/call."""
	_head, _found, tail = (path or "").partition(MANGO_PATH)
	return tail.strip("/")


def wrong_signature(how: str) -> None:
	frappe.throw(
		_("The request signature is missing or wrong: {0}.").format(_(how)),
		BadSignature,
	)
