"""The supervisor's floor (layer: endpoints): the live monitor and its overrides (assign a conversation to anyone, return it
to the queue, change an operator's status with a reason)."""

import frappe
from frappe import _

from iqchannels.api.operator import existing_conversation
from iqchannels.engine.routing import Assignment
from iqchannels.flows import lifecycle
from iqchannels.flows.distribution import SUPERVISOR, lock_line
from iqchannels.flows.statuses import change_status
from iqchannels.records import roles
from iqchannels.records.exceptions import fail, http_errors
from iqchannels.records.operators import full_name, held_conversations, operator_doc, slots_of
from iqchannels.records.segments import may_see_line
from iqchannels.views.monitor import floor

MAX_REASON = 500


def require_supervisor() -> str:
	if not roles.is_supervisor():
		fail("forbidden", "Only supervisors can do this.")
	return frappe.session.user


@frappe.whitelist(methods=["POST"])
@http_errors
def assign(conversation: str | int, operator: str) -> dict:
	"""Give a queued or open conversation to `operator`, even above their slots; logged as an override."""
	user = require_supervisor()
	doc = existing_conversation(conversation)
	if not may_see_line(doc.line, user):
		fail("forbidden", "Conversation {0} is outside your segments.", doc.name)
	if doc.status == "Closed":
		fail("conflict", "The conversation is already closed.")
	if not frappe.db.exists("IQC Operator", operator) and not roles.is_operator(operator):
		fail("invalid", "{0} is not an operator.", operator)
	if doc.operator == operator:
		fail("conflict", "{0} already has this conversation.", full_name(operator))
	lock_line(doc.line)
	target = operator_doc(operator)
	decision = Assignment(
		doc.name, operator, SUPERVISOR, len(held_conversations(operator)), slots_of(target), (operator,)
	)
	if not lifecycle.assign(doc.name, operator, decision, by=user, from_operator=doc.operator):
		fail("conflict", "The conversation changed meanwhile: reload it and try again.")
	return {"name": doc.name, "status": "Open", "operator": operator, "over_slots": decision.over_slots}


@frappe.whitelist(methods=["POST"])
@http_errors
def requeue(conversation: str | int) -> dict:
	user = require_supervisor()
	doc = existing_conversation(conversation)
	if not may_see_line(doc.line, user):
		fail("forbidden", "Conversation {0} is outside your segments.", doc.name)
	if doc.status != "Open":
		fail("conflict", "Only a conversation in progress can return to the queue.")
	if not lifecycle.requeue(doc.name, _("requeued by {0}").format(full_name(user))):
		fail("conflict", "The conversation changed meanwhile: reload it and try again.")
	return {"name": doc.name, "status": "Queued"}


@frappe.whitelist()
def monitor(segment: str | None = None) -> dict:
	"""The live floor: operators, lines and the conversations in progress (of one segment, if asked)."""
	require_supervisor()
	return floor(segment or None)


@frappe.whitelist(methods=["POST"])
@http_errors
def set_operator_status(operator: str, status: str, reason: str | None = None) -> dict:
	"""A supervisor changes an operator's status; the reason is logged with the change."""
	require_supervisor()
	reason = (reason or "").strip()
	if not reason:
		fail("invalid", "Say why you change the operator's status.")
	if len(reason) > MAX_REASON:
		fail("invalid", "The reason is longer than {0} characters.", MAX_REASON)
	if not frappe.db.exists("IQC Operator", operator):
		fail("not_found", "{0} is not an operator.", operator)
	doc = change_status(operator, status, reason=reason)
	return {"operator": operator, "status": doc.status}
