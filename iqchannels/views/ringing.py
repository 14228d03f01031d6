"""What pops up when a call rings for an operator (layer: read models): the client's card and their
recent history, and the conversation to open for them.

The workspace hears of a call through the realtime event `iqchannels:call` and reads the card here; on
start and after a reconnect it asks for the calls ringing for the operator now.
"""

from datetime import timedelta

import frappe
from frappe.utils import cint, now_datetime

from iqchannels.records import roles
from iqchannels.records.client_access import can_reach_client
from iqchannels.records.exceptions import fail
from iqchannels.records.operators import full_name

# A call still "ringing" after this long lost its end somewhere: it pops up no more.
RINGING_FOR = timedelta(minutes=5)
RECENT = 5
CARD_FIELDS = ["name", "full_name", "phone", "email", "vip", "client_type", "company", "notes"]
POPUP_FIELDS = [
	"name",
	"state",
	"direction",
	"client",
	"phone",
	"operator",
	"line",
	"started_at",
	"answered_at",
	"ended_at",
	"conversation",
]


def ringing_for(user: str) -> list[dict]:
	"""The calls ringing at `user` now, each with its card."""
	calls = frappe.get_all(
		"IQC Call",
		filters={
			"operator": user,
			"state": "Ringing",
			"ended_at": ["is", "not set"],
			"started_at": [">=", now_datetime() - RINGING_FOR],
		},
		fields=POPUP_FIELDS,
		order_by="started_at asc",
	)
	return [popup(call, user) for call in calls]


def call_card(name: str | int, user: str) -> dict:
	"""One call's pop-up: for the operator it rings at, supervisors and those who reach the client."""
	call = frappe.db.get_value("IQC Call", cint(name), POPUP_FIELDS, as_dict=True) if cint(name) else None
	if not call:
		fail("not_found", "Call {0} does not exist.", name)
	allowed = call.operator == user or roles.is_supervisor(user)
	if not allowed and not (call.client and can_reach_client(call.client, user)):
		fail("forbidden", "Call {0} is not yours.", name)
	return popup(call, user)


def popup(call, user: str) -> dict:
	row = {field: call.get(field) for field in POPUP_FIELDS}
	row["call"] = cint(row.pop("name"))
	row["conversation"] = cint(row["conversation"]) or None
	client = str(call.client) if call.client else None
	if not client:
		return {**row, "client": None, "card": None, "recent": [], "open_conversation": None}
	card = frappe.db.get_value("IQC Client", client, CARD_FIELDS, as_dict=True) or {}
	if card:
		card["name"] = cint(card["name"])
	return {
		**row,
		"client": cint(client),
		"card": card,
		"recent": recent_history(client, call.name),
		"open_conversation": conversation_to_open(client, user, row["conversation"]),
	}


def recent_history(client: str, this_call) -> list[dict]:
	"""The client's last conversations and calls, newest first: two reads on the client's indexes."""
	conversations = frappe.get_all(
		"IQC Conversation",
		filters={"client": client},
		fields=["name", "kind", "status", "result", "opened_at", "last_message_preview", "operator"],
		order_by="name desc",
		limit=RECENT,
	)
	calls = frappe.get_all(
		"IQC Call",
		filters={"client": client, "name": ["!=", this_call]},
		fields=["name", "direction", "state", "started_at", "talk_seconds", "operator"],
		order_by="started_at desc",
		limit=RECENT,
	)
	items = [
		{"type": "conversation", "at": c.opened_at, **c, "operator_name": full_name(c.operator)}
		for c in conversations
	] + [{"type": "call", "at": c.started_at, **c, "operator_name": full_name(c.operator)} for c in calls]
	items.sort(key=lambda item: item["at"] or now_datetime(), reverse=True)
	return items[:RECENT]


def conversation_to_open(client: str, user: str, linked: int | None) -> int | None:
	"""The conversation the workspace opens for the caller: the call's own (a callback request), else the
	client's latest one that the user may see."""
	if linked and frappe.has_permission("IQC Conversation", doc=str(linked), user=user):
		return linked
	names = frappe.get_list(
		"IQC Conversation", filters={"client": client}, pluck="name", order_by="name desc", limit=1, user=user
	)
	return cint(names[0]) if names else None
