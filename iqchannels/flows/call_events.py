"""A PBX's call events (layer: flows): each event joins its call, the call's client and operator follow.

An event is applied to the call it belongs to (one per PBX call id and channel, locked meanwhile) by the
engine's merge, which makes the order of events and their repetition irrelevant: a repeated event
changes nothing and writes nothing. From the merged call come its state and times, its client (by the
number, made on the first call of an unknown number) and its operator (by the extension the PBX names).
Those it concerns hear of every change (`iqchannels:call`); when an operator's call ends their slot is
free again; a missed inbound call becomes a callback request in its line's queue.

A call placed from the app waits under the command's id until the PBX's first event of it names the
PBX's own id. Which line an inbound call belongs to: the routing rules decide, seeing the number the
client dialled (the PBX's line number) and the caller; without a rule, the channel's default line.
"""

from datetime import UTC, datetime

import frappe
from frappe.utils import convert_utc_to_system_timezone, now_datetime

from iqchannels.engine import calls as engine
from iqchannels.flows.callbacks import call_ended, request_callback
from iqchannels.records import calls
from iqchannels.records.lines import line_for
from iqchannels.records.phones import client_for_phone, normalise

# What, when it changes, the call's operator and the supervisors are told (a recording that becomes
# ready too: the history on their screens shows its player).
VISIBLE = (
	"state",
	"operator",
	"client",
	"answered_at",
	"ended_at",
	"conversation",
	"direction",
	"recording_id",
	"recording_url",
)


def ingest(channel, pbx_call_id: str, event, command_id: str | None = None) -> str | None:
	"""Apply one event of the PBX to its call; returns the call's name, or None for a call between two
	extensions (no client in it), which the app does not keep."""
	row = calls.locked(channel.name, pbx_call_id)
	if not row and command_id:
		row = claim_placed(channel.name, pbx_call_id, command_id)
	if not row:
		if isinstance(event, engine.LegEvent) and event.direction == engine.INTERNAL:
			return None
		state = engine.merge(None, event)
		values = derive(channel, None, state)
		values["line"] = values.get("line") or channel.default_line
		try:
			name = calls.insert_call({**values, "channel": channel.name, "pbx_call_id": pbx_call_id})
		except frappe.UniqueValidationError:
			# The same call's other event made it a moment ago: the unique key made this insert wait.
			row = calls.locked(channel.name, pbx_call_id)
		else:
			after_change(channel, frappe._dict(), frappe._dict(values, name=name))
			return name
	state = engine.merge(row.pbx_state, event)
	if calls.dumps(state) == calls.dumps(row.pbx_state or engine.empty()):
		return str(row.name)
	values = derive(channel, row, state)
	changes = {k: v for k, v in values.items() if row.get(k) != v}
	calls.update_call(row.name, changes)
	after_change(channel, row, frappe._dict(row, **changes))
	return str(row.name)


def claim_placed(channel: str, pbx_call_id: str, command_id: str):
	"""The call an operator placed with this command, from now on known by the PBX's id."""
	row = calls.locked(channel, calls.PLACED_PREFIX + command_id)
	if row:
		calls.update_call(row.name, {"pbx_call_id": pbx_call_id})
		row.pbx_call_id = pbx_call_id
	return row


def derive(channel, row, state: dict) -> dict:
	"""The call's fields as the merged events make them."""
	view = engine.outcome(state)
	values = {
		"pbx_state": calls.dumps(state),
		"state": view.state,
		"last_event_seq": view.last_seq,
		"started_at": moment(view.started_at),
		"answered_at": moment(view.answered_at),
		"ended_at": moment(view.ended_at),
		"wait_seconds": view.wait_seconds,
		"talk_seconds": view.talk_seconds,
	}
	if view.direction in (engine.INBOUND, engine.OUTBOUND):
		values["direction"] = view.direction
	for field in ("recording_id", "recording_url"):
		if getattr(view, field):
			values[field] = getattr(view, field)
	if view.number and (not row or view.number != row.phone or not row.client):
		values.update(number_fields(channel, row, view.number))
	if view.extension and (not row or view.extension != row.extension or not row.operator):
		values["extension"] = view.extension
		if operator := calls.operator_by_extension(view.extension):
			values["operator"] = operator
	if view.line_number and (not row or view.line_number != row.dialled_number):
		values["dialled_number"] = view.line_number
		# A callback's call stays in the request's line.
		if view.direction == engine.INBOUND and not (row and row.conversation):
			values["line"] = routed_line(
				channel, values.get("client") or (row and row.client), view.line_number
			)
	return values


def routed_line(channel, client: str | None, dialled: str) -> str:
	"""The line of an inbound call: the routing rules see the number dialled and who calls."""
	facts = client and frappe.db.get_value(
		"IQC Client", client, ["client_type", "vip", "language"], as_dict=True
	)
	return line_for(channel, facts or frappe._dict(), "", now_datetime(), dialled=dialled).line


def number_fields(channel, row, number: str) -> dict:
	phone = normalise(number, channel.phone_region)
	values = {"phone": phone.given, "phone_e164": phone.e164, "phone_unparsed": int(phone.unparsed)}
	if row and row.client and (row.phone_e164 == phone.e164 or not phone.e164):
		return values  # a call placed to a client keeps them
	client, _made = client_for_phone(channel, phone)
	if client:
		values["client"] = client
		# A locking read: when another event of the same new number made the client a moment ago, the
		# profile is committed but not in this transaction's snapshot.
		values["client_name"] = frappe.db.sql(
			"select full_name from `tabIQC Client` where name=%s lock in share mode", client
		)[0][0]
	return values


def after_change(channel, before, after) -> None:
	if any(before.get(field) != after.get(field) for field in VISIBLE):
		calls.publish_call(after)
	if after.ended_at and not before.ended_at:
		call_ended(after.operator)
		if is_missed_inbound(after):
			conversation = request_callback(
				after.client,
				channel,
				phone=after.phone_e164 or after.phone,
				call=after.name,
				line=after.line or channel.default_line,
			)
			calls.publish_call(frappe._dict(after, conversation=conversation))


def is_missed_inbound(call) -> bool:
	"""A client's call nobody answered, not already part of a callback request."""
	return bool(
		call.state == engine.MISSED
		and call.direction == engine.INBOUND
		and call.client
		and (call.phone_e164 or call.phone)
		and not call.conversation
	)


def moment(seconds: int | None) -> datetime | None:
	"""A PBX's time (seconds since the epoch) as the site stores times: in its own time zone."""
	if seconds is None:
		return None
	utc = datetime.fromtimestamp(seconds, tz=UTC).replace(tzinfo=None)
	return convert_utc_to_system_timezone(utc).replace(tzinfo=None)
