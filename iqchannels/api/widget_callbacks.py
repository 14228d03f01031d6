"""The web chat's "call me back" (layer: endpoints): a visitor leaves a number and, if they like, a
time, and a callback request joins the queue of the chat's line for them.

Called by guests, authenticated like every widget call by the visitor's `token` (see api/widget.py):
the request is always for the token's own visitor. Everything is checked before anything is written.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import frappe
from frappe.utils import get_datetime, get_system_timezone, now_datetime

from iqchannels.api.widget import per_address, per_visitor, profile_of, visitor
from iqchannels.flows.callbacks import WEB_CHAT, request_callback
from iqchannels.records.callbacks import CALLBACK, phone_channel_for
from iqchannels.records.clients import client_for_identity, identity_owner
from iqchannels.records.exceptions import fail, http_errors
from iqchannels.records.lines import line_for
from iqchannels.records.phones import normalise

# How far ahead a visitor may ask to be called.
LATEST = timedelta(days=30)
# A time a little in the past (the visitor took a while to press the button) means now.
GRACE = timedelta(minutes=5)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@per_visitor(60)
@http_errors
def options(channel: str, token: str) -> dict:
	"""Whether the chat can call its visitors back, and the visitor's request still open, if any."""
	chat, visitor_id = visitor(channel, token)
	client = identity_owner(chat.name, visitor_id)
	line = line_for(chat, client_doc(client), "", now_datetime()).line
	answer = {"available": bool(phone_channel_for(line)), "request": None}
	if client:
		open_request = frappe.get_all(
			"IQC Conversation",
			filters={"client": str(client), "kind": CALLBACK, "line": line, "status": ["!=", "Closed"]},
			fields=["name", "callback_phone", "callback_due_at"],
			limit=1,
		)
		if open_request:
			row = open_request[0]
			answer["request"] = {"phone": row.callback_phone, "due_at": with_zone(row.callback_due_at)}
	return answer


@frappe.whitelist(allow_guest=True, methods=["POST"])
@per_address(30)
@per_visitor(5)
@http_errors
def request(
	channel: str, token: str, phone: str, preferred_at: str | None = None, language: str | None = None
) -> dict:
	"""Call me back at `phone`, from `preferred_at` (ISO 8601; with a zone, or the site's time)."""
	chat, visitor_id = visitor(channel, token)
	now = now_datetime()
	due = preferred_time(preferred_at, now)
	client = identity_owner(chat.name, visitor_id)
	line = line_for(chat, client_doc(client), "", now).line
	phone_channel = phone_channel_for(line)
	if not phone_channel:
		fail("conflict", "This chat cannot call you back: leave a message instead.")
	number = normalise(phone if isinstance(phone, str) else None, phone_channel.phone_region).e164
	if not number:
		fail("invalid", "{0} is not a phone number we can call.", str(phone or "")[:40])
	if not client:
		client = client_for_identity(chat, visitor_id, profile=profile_of(language=language))
	doc = frappe.get_doc("IQC Client", client)
	if not doc.phone:
		# The client's number, so that their calls find them too.
		doc.phone = number
		doc.save(ignore_permissions=True)
	name = request_callback(doc, phone_channel, number, due_at=due, line=line, source=WEB_CHAT)
	frappe.local.response.http_status_code = 201
	return {"request": name, "phone": number, "due_at": with_zone(due)}


def preferred_time(value: str | None, now):
	"""The visitor's preferred time in the site's time; now when none is given."""
	if value in (None, ""):
		return now
	try:
		moment = get_datetime(str(value)[:40])
	except Exception:
		moment = None
	if not moment:
		fail("invalid", "{0} is not a date and time.", str(value)[:40])
	if moment.tzinfo:
		moment = moment.astimezone(ZoneInfo(get_system_timezone())).replace(tzinfo=None)
	if moment < now - GRACE:
		fail("invalid", "The preferred time has already passed.")
	if moment > now + LATEST:
		fail("invalid", "The preferred time is more than {0} days ahead.", LATEST.days)
	return max(moment, now)


def client_doc(client: str | None):
	"""The client for routing; a visitor who has not written yet is routed as a new client."""
	if client:
		return frappe.get_doc("IQC Client", client)
	return frappe._dict(name=None, client_type="", vip=0, language=None)


def with_zone(moment) -> str | None:
	"""The site's time with its offset, so that the visitor's browser shows it in its own time."""
	if not moment:
		return None
	return get_datetime(moment).replace(tzinfo=ZoneInfo(get_system_timezone())).isoformat()
