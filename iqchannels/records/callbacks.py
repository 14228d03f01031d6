"""Callback requests' records (layer: records): the open request of a client in a line, the numbers to
call, and who is busy on a call while distribution counts loads.

A callback request is an IQC Conversation of kind "Callback": it is queued, distributed, held in a slot
and closed with a result like any conversation, and waits in the queue until its due time.
"""

from datetime import timedelta

import frappe
from frappe.utils import cint, now_datetime

CALLBACK = "Callback"
# The close results of a request (made at install and migrate).
CALLED_BACK = "Called back"
NOT_REACHED = "Not reached"
WRONG_NUMBER_RESULT = "Wrong number"
CLOSE_RESULTS = {
	CALLED_BACK: "Callback request: the client was reached.",
	NOT_REACHED: "Callback request: no answer after the channel's attempts.",
	WRONG_NUMBER_RESULT: "Callback request: the number was not the client's.",
}
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_RETRY_MINUTES = 30
# A call whose end the PBX never reported stops holding its operator's slot after this long.
STALE_CALL = timedelta(hours=4)


def open_request(client: str, line: str, lock: bool = False):
	"""The client's callback request in the line that is not closed yet; with `lock`, the latest
	committed one, so that two missed calls at once make one request."""
	rows = frappe.db.sql(
		f"""select name from `tabIQC Conversation`
		where client=%s and line=%s and kind='Callback' and status!='Closed'
		order by name limit 1 {"for update" if lock else ""}""",
		(str(client), line),
	)
	return frappe.get_doc("IQC Conversation", rows[0][0]) if rows else None


def lock_client(client: str) -> None:
	"""Requests for one client are made one at a time (two missed calls in the same second)."""
	frappe.db.sql("select name from `tabIQC Client` where name=%s for update", str(client))


# What a list of requests shows of each.
REQUEST_FIELDS = [
	"name",
	"status",
	"line",
	"channel",
	"operator",
	"callback_phone",
	"callback_due_at",
	"callback_attempts",
	"call",
	"result",
	"opened_at",
	"closed_at",
]


def max_attempts(channel) -> int:
	return cint(channel.get("callback_max_attempts")) or DEFAULT_MAX_ATTEMPTS


def retry_after(channel) -> timedelta:
	return timedelta(minutes=cint(channel.get("callback_retry_minutes")) or DEFAULT_RETRY_MINUTES)


def on_call_besides_callbacks(users: list[str]) -> set[str]:
	"""Operators now on a call (ringing or talking), apart from a call made for a callback request
	they hold: that request already takes its slot."""
	if not users:
		return set()
	return set(
		frappe.db.sql_list(
			"""select distinct c.operator from `tabIQC Call` c
			where c.operator in %(users)s and c.state in ('Ringing', 'Answered') and c.ended_at is null
				and coalesce(c.started_at, c.creation) >= %(since)s
				and not exists (
					select 1 from `tabIQC Conversation` v
					where v.name = c.conversation and v.status = 'Open' and v.operator = c.operator
				)""",
			{"users": users, "since": now_datetime() - STALE_CALL},
		)
	)


def phone_channel_for(line: str):
	"""The phone channel that calls back the clients of `line`: the one whose default line it is, else
	the first enabled phone channel; None when the site has none."""
	channels = frappe.get_all(
		"IQC Channel",
		filters={"channel_type": "Phone", "enabled": 1},
		fields=["name", "default_line"],
		order_by="name asc",
	)
	chosen = next((c for c in channels if c.default_line == line), channels[0] if channels else None)
	return frappe.get_cached_doc("IQC Channel", chosen.name) if chosen else None
