"""A client's calls as the workspace shows them (layer: read models): among the messages of their history
in time order, and counted on their card.

Calls ride on the messages' paging, as ticket events do: a page of messages gets the calls from its first
message up to the message the next newer page starts with (all later ones on the latest page, all earlier
ones on the oldest), so that each call shows on exactly one page. One read on the calls' (client,
started_at) index per page.
"""

import frappe
from frappe.utils import cint, get_datetime

from iqchannels.records import roles
from iqchannels.records.client_access import can_reach_client
from iqchannels.records.operators import full_name
from iqchannels.records.segments import may_see_line

# Calls on one page at most: a client who only ever called sees their latest ones.
MAX_CALLS = 200
CALL_FIELDS = [
	"name",
	"direction",
	"state",
	"operator",
	"line",
	"phone",
	"started_at",
	"answered_at",
	"ended_at",
	"wait_seconds",
	"talk_seconds",
	"recording_file",
	"recording_url",
	"recording_id",
	"disposition",
	"conversation",
]


def with_calls(client: str, page: dict, before: int | None = None, user: str | None = None) -> dict:
	"""Put the client's calls among a page of their history (the messages before message `before`, the
	latest if None), in time order. Messages keep driving the paging."""
	messages = page["messages"]
	if not messages and before:
		return page
	filters = [["client", "=", str(client)]]
	if messages and page["has_more"]:
		filters.append(["started_at", ">=", get_datetime(messages[0].sent_at)])
	if before and (end := frappe.db.get_value("IQC Message", cint(before), "sent_at")):
		filters.append(["started_at", "<", end])
	calls = frappe.get_all(
		"IQC Call",
		filters=filters,
		fields=CALL_FIELDS,
		order_by="started_at desc, name desc",
		limit=MAX_CALLS,
	)
	if not calls:
		return page
	calls.reverse()
	may_play = playback_rule(user or frappe.session.user, str(client))
	rows = [history_row(call, may_play) for call in calls]
	merged = sorted(messages + rows, key=lambda r: (get_datetime(r.sent_at), r.get("kind") == "call"))
	return {**page, "messages": merged}


def history_row(call, may_play) -> dict:
	talk = cint(call.talk_seconds)
	if not talk and call.answered_at and call.ended_at:
		talk = int((call.ended_at - call.answered_at).total_seconds())
	has_recording = bool(call.recording_file or call.recording_url or call.recording_id)
	return frappe._dict(
		kind="call",
		author_type="System",
		name=f"call-{call.name}",
		call=cint(call.name),
		direction=call.direction,
		state=call.state,
		operator=call.operator,
		operator_name=full_name(call.operator) if call.operator else None,
		phone=call.phone,
		at=call.started_at,
		sent_at=call.started_at,
		answered_at=call.answered_at,
		ended_at=call.ended_at,
		wait_seconds=cint(call.wait_seconds),
		talk_seconds=talk,
		disposition=call.disposition,
		conversation=cint(call.conversation) or None,
		has_recording=has_recording,
		can_play=has_recording and may_play(call),
	)


def playback_rule(user: str, client: str):
	"""Who may play a call's recording: whoever may see the call (records.calls.can_see_call: supervisors
	of its line's segment, its operator, the operators who reach its client), the client checked once
	for the whole page. Returns a test of one call."""
	if roles.is_supervisor(user):
		return lambda call: may_see_line(call.line, user)
	if not roles.is_operator(user):
		return lambda call: False
	reaches = can_reach_client(client, user)
	return lambda call: reaches or call.operator == user


def call_count(client: str | int) -> int:
	return frappe.db.count("IQC Call", {"client": str(client)})
