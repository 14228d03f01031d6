"""Transfers and collaboration (layer: flows): handing a conversation to an operator (who must accept in time) or to
another line, and inviting collaborators who write beside the owner."""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import now_datetime

from iqchannels.engine.lifecycle import queue_priority
from iqchannels.engine.routing import Assignment
from iqchannels.flows.lifecycle import assign
from iqchannels.records import realtime, settings, wakeups
from iqchannels.records.conversations import collaborators
from iqchannels.records.exceptions import fail
from iqchannels.records.messages import add_system_message
from iqchannels.records.operators import full_name, held_conversations, operator_doc, slots_of
from iqchannels.records.roles import is_operator

TRANSFER = "transfer"


def ensure_operator(user: str) -> None:
	if not user or not frappe.db.exists("User", user) or not is_operator(user):
		fail("invalid", "{0} is not an operator.", user)


def pending_transfer(conversation) -> str | None:
	return frappe.db.get_value(
		"IQC Transfer", {"conversation": str(conversation.name), "status": "Pending"}, "name"
	)


def offer(conversation, by: str, to_operator: str, comment: str | None = None):
	"""Offer the conversation to another operator; it stays with its owner until they accept."""
	ensure_operator(to_operator)
	if to_operator == conversation.operator:
		fail("invalid", "The conversation is already {0}'s.", full_name(to_operator))
	if pending_transfer(conversation):
		fail("conflict", "This conversation already waits for an answer to a transfer.")
	if operator_doc(to_operator).status == "Offline":
		fail("conflict", "{0} is offline and cannot accept a transfer.", full_name(to_operator))
	timeout = timedelta(seconds=settings.number("transfer_timeout_seconds"))
	transfer = frappe.get_doc(
		{
			"doctype": "IQC Transfer",
			"conversation": conversation.name,
			"from_operator": conversation.operator or by,
			"to_operator": to_operator,
			"comment": comment,
			"status": "Pending",
			"expires_at": now_datetime() + timeout,
		}
	).insert(ignore_permissions=True)
	add_system_message(
		conversation,
		_("{0} offered the conversation to {1}").format(full_name(by), full_name(to_operator))
		+ (f": {comment}" if comment else ""),
	)
	realtime.publish(
		"transfer-offered",
		{
			"transfer": transfer.name,
			"conversation": conversation.name,
			"from": by,
			"expires_at": str(transfer.expires_at),
		},
		[to_operator],
	)
	return transfer


def respond(transfer, user: str, accept: bool):
	"""The receiver accepts or declines; an answer after the deadline finds the offer expired."""
	if transfer.to_operator != user:
		fail("forbidden", "This transfer was offered to someone else.")
	if transfer.status != "Pending":
		fail("conflict", "This transfer is already {0}.", _(transfer.status).lower())
	if now_datetime() >= transfer.expires_at:
		# The minute sweep marks it expired and tells the sender; the late answer changes nothing.
		fail("conflict", "This transfer has expired.")
	conversation = frappe.get_doc("IQC Conversation", transfer.conversation)
	if not accept:
		close_offer(transfer, "Declined")
		return transfer
	decision = Assignment(
		conversation.name,
		user,
		TRANSFER,
		len(held_conversations(user)),
		slots_of(operator_doc(user)),
		(user,),
	)
	if conversation.status != "Open" or not assign(
		conversation.name, user, decision, by=user, from_operator=conversation.operator
	):
		close_offer(transfer, "Expired")
		fail("conflict", "The conversation changed meanwhile: reload it and try again.")
	set_status(transfer, "Accepted")
	realtime.publish("transfer-answered", answer_payload(transfer), [transfer.from_operator])
	return transfer


def close_offer(transfer, status: str) -> None:
	"""Declined or expired: the conversation stays with its owner, who is told."""
	set_status(transfer, status)
	conversation = frappe.get_doc("IQC Conversation", transfer.conversation)
	what = {"Declined": _("{0} declined the transfer"), "Expired": _("The transfer to {0} expired")}[status]
	add_system_message(conversation, what.format(full_name(transfer.to_operator)))
	realtime.publish(
		"transfer-answered", answer_payload(transfer), [transfer.from_operator, transfer.to_operator]
	)


def set_status(transfer, status: str) -> None:
	transfer.status = status
	transfer.responded_at = now_datetime()
	frappe.db.set_value(
		"IQC Transfer", transfer.name, {"status": status, "responded_at": transfer.responded_at}
	)


def answer_payload(transfer) -> dict:
	return {"transfer": transfer.name, "conversation": transfer.conversation, "status": transfer.status}


def expire_offers() -> list:
	"""Scheduler job: pending offers past their deadline expire."""
	expired = frappe.get_all(
		"IQC Transfer", filters={"status": "Pending", "expires_at": ["<=", now_datetime()]}, pluck="name"
	)
	for name in expired:
		close_offer(frappe.get_doc("IQC Transfer", name), "Expired")
	return expired


def to_line(conversation, by: str, line: str, comment: str | None = None):
	"""Send the conversation to another line's queue; its history goes with it."""
	line_doc = frappe.get_cached_doc("IQC Line", line) if frappe.db.exists("IQC Line", line) else None
	if not line_doc or not line_doc.enabled:
		fail("invalid", "Unknown line {0}.", line)
	vip = frappe.db.get_value("IQC Client", conversation.client, "vip")
	now = now_datetime()
	frappe.db.set_value(
		"IQC Conversation",
		conversation.name,
		{
			"line": line,
			"status": "Queued",
			"operator": None,
			"queued_at": now,
			"priority": queue_priority(bool(vip), line_doc.priority),
			"assignment_reason": None,
		},
	)
	frappe.get_doc(
		{
			"doctype": "IQC Transfer",
			"conversation": conversation.name,
			"from_operator": conversation.operator or by,
			"to_line": line,
			"from_line": conversation.line,
			"comment": comment,
			"status": "Done",
			"responded_at": now,
		}
	).insert(ignore_permissions=True)
	previous = conversation.operator
	conversation.reload()
	add_system_message(
		conversation,
		_("{0} transferred the conversation to line {1}").format(full_name(by), line)
		+ (f": {comment}" if comment else ""),
	)
	realtime.publish_conversation(
		"conversation-queued", conversation, also_to=[previous], previous_operator=previous
	)
	wakeups.request(line)
	return conversation


def invite(conversation, by: str, user: str):
	ensure_operator(user)
	if user == conversation.operator or user in collaborators(conversation.name):
		fail("conflict", "{0} already works on this conversation.", full_name(user))
	frappe.get_doc(
		{
			"doctype": "IQC Conversation Collaborator",
			"parent": conversation.name,
			"parenttype": "IQC Conversation",
			"parentfield": "collaborators",
			"user": user,
			"invited_by": by,
			"invited_at": now_datetime(),
		}
	).db_insert()
	add_system_message(conversation, _("{0} invited {1}").format(full_name(by), full_name(user)))
	realtime.publish_conversation("collaborator-invited", conversation, also_to=[user], collaborator=user)
