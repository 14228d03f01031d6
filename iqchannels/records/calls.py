"""Calls' records (layer: records): reading and writing IQC Call, who may see a call and its recording,
who is on a call now, and the realtime event of a call.

A call is one row per PBX call id and channel (a unique key), locked while an event is applied, so that
two events of the same call arriving at once are applied one after the other.
"""

import json

import frappe
from frappe.utils import cint, now_datetime

from iqchannels.records import realtime, roles
from iqchannels.records.callbacks import STALE_CALL
from iqchannels.records.client_access import can_reach_client
from iqchannels.records.rows import insert_row
from iqchannels.records.segments import limited_segments, may_see_line
from iqchannels.records.segments import line_condition as segment_line_condition

CALL_EVENT = "call"
# What an event of a call carries (and what the workspace reloads a call by).
EVENT_FIELDS = (
	"name",
	"state",
	"direction",
	"client",
	"client_name",
	"phone",
	"operator",
	"line",
	"started_at",
	"answered_at",
	"ended_at",
	"conversation",
)
ROW_FIELDS = (
	*EVENT_FIELDS,
	"channel",
	"pbx_call_id",
	"pbx_state",
	"phone_e164",
	"phone_unparsed",
	"extension",
	"dialled_number",
	"recording_id",
	"recording_file",
	"recording_url",
)
# A call placed from the app waits under this id until the PBX reports it under its own.
PLACED_PREFIX = "placed:"


def locked(channel: str, pbx_call_id: str):
	"""The call with this PBX id on the channel, locked until the transaction ends; None if unknown."""
	rows = frappe.db.sql(
		f"""select {", ".join(f"`{f}`" for f in ROW_FIELDS)} from `tabIQC Call`
		where channel=%s and pbx_call_id=%s for update""",
		(channel, pbx_call_id),
		as_dict=True,
	)
	if not rows:
		return None
	row = rows[0]
	row.pbx_state = json.loads(row.pbx_state) if isinstance(row.pbx_state, str) else row.pbx_state
	return row


def insert_call(values: dict) -> str:
	"""A new call written as a plain row (the event path: every value is the app's own). A call the same
	PBX id made a moment earlier raises frappe.UniqueValidationError."""
	frappe.db.savepoint("iqc_new_call")
	try:
		return str(insert_row("IQC Call", **values).name)
	except frappe.UniqueValidationError:
		frappe.db.rollback(save_point="iqc_new_call")
		frappe.clear_last_message()
		raise


def update_call(name, values: dict) -> None:
	"""The changed fields in one plain statement (every value is the app's own; the event path)."""
	if values:
		values = {**values, "modified": now_datetime()}
		frappe.db.sql(
			f"update `tabIQC Call` set {', '.join(f'`{field}`=%({field})s' for field in values)} where name=%(_name)s",
			{**values, "_name": name},
		)


def dumps(state: dict) -> str:
	return json.dumps(state, sort_keys=True, separators=(",", ":"))


def operator_by_extension(extension: str | None) -> str | None:
	"""The operator whose phone extension (or SIP login) the PBX named."""
	if not extension:
		return None
	rows = frappe.db.sql(
		"select user from `tabIQC Operator` where phone_extension=%s limit 1", str(extension)
	)
	return rows[0][0] if rows else None


def extension_of(user: str) -> str | None:
	return frappe.db.get_value("IQC Operator", {"user": user}, "phone_extension")


def on_call(users) -> set[str]:
	"""The operators among `users` now on a call: ringing at them or talking, not ended (a call whose end
	was never reported stops counting after a few hours)."""
	users = list(users or ())
	if not users:
		return set()
	return set(
		frappe.db.sql_list(
			"""select distinct operator from `tabIQC Call`
			where operator in %(users)s and state in ('Ringing', 'Answered') and ended_at is null
				and coalesce(started_at, creation) >= %(since)s""",
			{"users": users, "since": now_datetime() - STALE_CALL},
		)
	)


def can_see_call(call, user: str | None = None) -> bool:
	"""As for conversations: supervisors of the call's line; the operator of the call; operators who
	may read the client's conversations (their lines' clients)."""
	user = user or frappe.session.user
	if roles.is_supervisor(user):
		return may_see_line(call.get("line"), user)
	if not roles.is_operator(user):
		return False
	if call.get("operator") == user:
		return True
	return bool(call.get("client")) and can_reach_client(call.get("client"), user)


def call_has_permission(doc, ptype=None, user=None, debug=False):
	return can_see_call(doc, user)


def call_condition(user: str | None = None) -> str:
	"""The list of calls a person sees, by the same rule as `can_see_call`."""
	user = user or frappe.session.user
	if (limits := limited_segments(user)) is not None:
		return segment_line_condition("`tabIQC Call`.line", limits)
	if roles.is_supervisor(user):
		return ""
	if not roles.is_operator(user):
		return "1=0"
	me = frappe.db.escape(user)
	return (
		f"(`tabIQC Call`.operator = {me} or `tabIQC Call`.client in (select responsible.name from "
		f"`tabIQC Client` responsible where responsible.responsible_operator = {me}) or `tabIQC Call`.client in "
		"(select c.client from `tabIQC Conversation` c where c.operator = "
		f"{me} or c.line in (select m.parent from `tabIQC Line Member` m where m.operator = {me} "
		"and m.parenttype = 'IQC Line')))"
	)


def event_payload(call) -> dict:
	payload = {field: call.get(field) for field in EVENT_FIELDS}
	# One type whatever made the call's row: a new call's name comes back as text, a read one as a number.
	payload["call"] = cint(payload.pop("name"))
	for field in ("started_at", "answered_at", "ended_at"):
		if payload[field] is not None:
			payload[field] = str(payload[field])
	return payload


def publish_call(call, also_to=()) -> None:
	"""`iqchannels:call` to the call's operator (and whoever else it concerns) and the supervisors."""
	payload = event_payload(call)
	realtime.publish(CALL_EVENT, payload, [call.get("operator"), *also_to])
	realtime.publish_to_supervisors(CALL_EVENT, payload)
