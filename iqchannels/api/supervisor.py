"""The supervisor's overrides: assign a conversation to anyone, or return it to the queue."""

import frappe
from frappe import _

from iqchannels import conversations, roles
from iqchannels.api.operator import existing_conversation
from iqchannels.distribution import SUPERVISOR, lock_line
from iqchannels.engine.routing import Assignment
from iqchannels.exceptions import fail, http_errors
from iqchannels.operators import full_name, held_conversations, operator_doc, slots_of


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
	if not conversations.assign(doc.name, operator, decision, by=user, from_operator=doc.operator):
		fail("conflict", "The conversation changed meanwhile: reload it and try again.")
	return {"name": doc.name, "status": "Open", "operator": operator, "over_slots": decision.over_slots}


@frappe.whitelist(methods=["POST"])
@http_errors
def requeue(conversation: str | int) -> dict:
	user = require_supervisor()
	doc = existing_conversation(conversation)
	if doc.status != "Open":
		fail("conflict", "Only a conversation in progress can return to the queue.")
	if not conversations.requeue(doc.name, _("requeued by {0}").format(full_name(user))):
		fail("conflict", "The conversation changed meanwhile: reload it and try again.")
	return {"name": doc.name, "status": "Queued"}
