"""Callback requests (layer: flows): a missed call, or a client asking to be called back, becomes a work
item in its line's queue, given out by the same distribution as conversations once it is due.

A request is a conversation of kind "Callback" on a phone channel: one open request per client and
line (another missed call adds to it), held in an operator's slot while they call, closed with a result.
The operator calls through `flows.calls.call_client` and records the outcome: Reached closes it, No
answer sends it back to the queue due again after the channel's retry minutes (and closes it as not
reached at the channel's attempt limit), Wrong number closes it.

Distribution is asked for when a request is due now, and, when calls take slots, when an operator's
call ends (`call_ended`, called by the call events); requests that become due later are given out by
the per-minute sweep (flows.distribution.sweep).
"""

from datetime import datetime

import frappe
from frappe import _
from frappe.utils import cint, formatdate, get_datetime, getdate, now_datetime

from iqchannels.engine.lifecycle import queue_priority
from iqchannels.flows.calls import call_client
from iqchannels.flows.lifecycle import close, requeue
from iqchannels.records import realtime, settings, wakeups
from iqchannels.records.callbacks import (
	CALLBACK,
	CALLED_BACK,
	NOT_REACHED,
	WRONG_NUMBER_RESULT,
	lock_client,
	max_attempts,
	open_request,
	retry_after,
)
from iqchannels.records.exceptions import fail
from iqchannels.records.lines import line_for
from iqchannels.records.messages import add_system_message
from iqchannels.records.operators import full_name, lines_of
from iqchannels.records.rows import insert_row

MISSED_CALL = "missed call"
WEB_CHAT = "web chat"
SOURCES = (MISSED_CALL, WEB_CHAT)

REACHED = "Reached"
NO_ANSWER = "No answer"
WRONG_NUMBER = "Wrong number"
OUTCOMES = (REACHED, NO_ANSWER, WRONG_NUMBER)
MAX_NOTE = 1000


def request_callback(
	client,
	channel,
	phone: str | None = None,
	due_at: datetime | str | None = None,
	call: str | int | None = None,
	line: str | None = None,
	source: str = MISSED_CALL,
) -> int:
	"""Queue a request to call `client` back at `phone` (else the number on their card) from `due_at`
	(else now), in `line` (else the line the channel's routing chooses); returns the request's name.
	A request of the client still open in that line takes this one in: one request, not two."""
	client = as_doc("IQC Client", client)
	channel = as_doc("IQC Channel", channel)
	if source not in SOURCES:
		fail("invalid", "Unknown source {0} of a callback request.", source)
	number = (phone or client.phone or "").strip()
	if not number:
		fail("invalid", "{0} has no phone number to call back.", client.full_name or client.name)
	now = now_datetime()
	due = get_datetime(due_at) if due_at else now
	line = line or line_for(channel, client, "", now).line
	lock_client(client.name)
	if existing := open_request(client.name, line, lock=True):
		return add_to_request(existing, number, due, call, source, now)
	doc = frappe.get_cached_doc("IQC Line", line)
	conversation = insert_row(
		"IQC Conversation",
		kind=CALLBACK,
		client=client.name,
		client_name=client.full_name,
		channel=channel.name,
		subject=_("Call back {0}").format(number)[:140],
		line=line,
		status="Queued",
		priority=queue_priority(bool(client.vip), doc.priority),
		opened_at=now,
		queued_at=now,
		last_message_at=now,
		last_message_preview=_("Call back {0}").format(number),
		callback_phone=number,
		callback_due_at=due,
		callback_attempts=0,
		call=call or None,
	)
	link_call(call, conversation.name)
	add_system_message(conversation, why_text(conversation.name, source, number, call, now, line))
	if due > now:
		add_system_message(conversation, _("Preferred time: {0}").format(moment(due, now)))
	realtime.publish_conversation("conversation-queued", conversation)
	if due <= now:
		wakeups.request(line)
	return conversation.name


def add_to_request(conversation, number: str, due, call, source: str, now) -> int:
	"""Another missed call or request of a client whose request is still open: told in its history,
	with the number they gave now, and due no later than this one asks."""
	changes = {"callback_phone": number}
	if conversation.status == "Queued" and due < get_datetime(conversation.callback_due_at or now):
		changes["callback_due_at"] = due
	frappe.db.set_value("IQC Conversation", conversation.name, changes, update_modified=False)
	conversation.update(changes)
	link_call(call, conversation.name)
	if source == MISSED_CALL:
		text = _("Another missed call from {0} at {1}").format(number, moment(call_time(call, now), now))
	else:
		text = _("The client asked again via web chat to be called back at {0}").format(number)
	add_system_message(conversation, text)
	if due > now:
		add_system_message(conversation, _("Preferred time: {0}").format(moment(due, now)))
	if conversation.status == "Queued" and get_datetime(conversation.callback_due_at) <= now:
		wakeups.request(conversation.line)
	return conversation.name


def why_text(name, source: str, number: str, call, now, line: str) -> str:
	if source == MISSED_CALL:
		return _("Callback request #{0}: missed call from {1} at {2}, waiting in line {3}").format(
			name, number, moment(call_time(call, now), now), line
		)
	return _(
		"Callback request #{0}: the client asked via web chat to be called back at {1}, waiting in line {2}"
	).format(name, number, line)


def record_outcome(conversation, outcome: str, note: str | None = None, by: str | None = None):
	"""The outcome of calling the client back, recorded by the operator holding the request."""
	ensure_callback(conversation)
	if outcome not in OUTCOMES:
		fail("invalid", "Unknown outcome {0}: use Reached, No answer or Wrong number.", outcome)
	ensure_held(conversation)
	note = (note or "").strip()
	if len(note) > MAX_NOTE:
		fail("invalid", "The note is longer than {0} characters.", MAX_NOTE)
	channel = frappe.get_cached_doc("IQC Channel", conversation.channel)
	attempts, limit = cint(conversation.callback_attempts) + 1, max_attempts(channel)
	frappe.db.set_value(
		"IQC Conversation", conversation.name, "callback_attempts", attempts, update_modified=False
	)
	conversation.callback_attempts = attempts
	text = _("{0} called back: {1} (attempt {2} of {3})").format(
		full_name(by) if by else _("The system"), _(outcome), attempts, limit
	)
	add_system_message(conversation, f"{text}. {note}" if note else text)
	if outcome == REACHED:
		return close(conversation, CALLED_BACK, by=by)
	if outcome == WRONG_NUMBER:
		return close(conversation, WRONG_NUMBER_RESULT, by=by)
	if attempts >= limit:
		return close(conversation, NOT_REACHED, by=by)
	now = now_datetime()
	due = now + retry_after(channel)
	frappe.db.set_value("IQC Conversation", conversation.name, "callback_due_at", due, update_modified=False)
	requeue(conversation.name, _("no answer, next attempt from {0}").format(moment(due, now)))
	return frappe.get_doc("IQC Conversation", conversation.name)


def call_back(conversation, user: str) -> str:
	"""The operator holding the request calls the client's number through the PBX; returns the call."""
	ensure_callback(conversation)
	ensure_held(conversation)
	number = number_to_call(conversation)
	channel = frappe.get_cached_doc("IQC Channel", conversation.channel)
	attempts, limit = cint(conversation.callback_attempts), max_attempts(channel)
	if attempts >= limit:
		fail(
			"conflict",
			"Callback request {0} was already tried {1} times, the limit of its channel.",
			conversation.name,
			attempts,
		)
	call = call_client(user, client=conversation.client, phone=number, conversation=conversation.name)
	add_system_message(
		conversation,
		_("{0} is calling back {1}: attempt {2} of {3}").format(full_name(user), number, attempts + 1, limit),
	)
	return call


def call_ended(operator: str | None) -> None:
	"""An operator's call ended: when a call takes a slot, that slot is free again for their lines."""
	if operator and settings.settings().calls_take_slots:
		for line in lines_of(operator):
			wakeups.request(line)


def number_to_call(conversation) -> str:
	number = conversation.callback_phone or frappe.db.get_value("IQC Client", conversation.client, "phone")
	if not (number or "").strip():
		fail(
			"invalid",
			"{0} has no phone number to call back.",
			conversation.client_name or conversation.client,
		)
	return number.strip()


def ensure_callback(conversation) -> None:
	if conversation.kind != CALLBACK:
		fail("invalid", "Conversation {0} is not a callback request.", conversation.name)


def ensure_held(conversation) -> None:
	"""The request is open in someone's slot; read again under a lock, so that two clicks at once
	count one attempt."""
	frappe.db.sql("select name from `tabIQC Conversation` where name=%s for update", conversation.name)
	conversation.reload()
	if conversation.status == "Closed":
		fail("conflict", "The conversation is already closed.")
	if conversation.status != "Open":
		fail("conflict", "Take callback request {0} from the queue first.", conversation.name)


def link_call(call, conversation) -> None:
	"""The missed call belongs to the request it made or joined."""
	if call:
		frappe.db.set_value("IQC Call", call, "conversation", conversation, update_modified=False)


def call_time(call, default):
	started = frappe.db.get_value("IQC Call", call, "started_at") if call else None
	return get_datetime(started) if started else default


def moment(value, now) -> str:
	"""HH:MM today, the date and HH:MM on another day."""
	value = get_datetime(value)
	clock = value.strftime("%H:%M")
	return clock if getdate(value) == getdate(now) else f"{formatdate(value)} {clock}"


def as_doc(doctype: str, value):
	if isinstance(value, str | int):
		if not frappe.db.exists(doctype, value):
			fail("not_found", "{0} {1} does not exist.", _(doctype), value)
		return frappe.get_doc(doctype, value)
	return value
