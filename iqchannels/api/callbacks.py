"""Callback requests in the workspace (layer: endpoints): call the client back, record the outcome, and a
client's requests. Permissions as for conversations: the operator holding a request (or a supervisor)
acts on it; whoever may see a client's conversations sees their requests."""

import frappe
from frappe.utils import cint

from iqchannels.api.clients import visible_client
from iqchannels.api.operator import workable_conversation
from iqchannels.flows import callbacks
from iqchannels.records.callbacks import CALLBACK, REQUEST_FIELDS
from iqchannels.records.exceptions import http_errors


@frappe.whitelist(methods=["POST"])
@http_errors
def call_back(conversation: str | int) -> dict:
	"""Ring my extension, then the client's number: the request's next attempt."""
	doc = workable_conversation(conversation, owner_only=True)
	call = callbacks.call_back(doc, frappe.session.user)
	return {"conversation": doc.name, "call": call}


@frappe.whitelist(methods=["POST"])
@http_errors
def record_outcome(conversation: str | int, outcome: str, note: str | None = None) -> dict:
	"""Reached, No answer (back to the queue for a later attempt, or closed at the limit) or Wrong number."""
	doc = workable_conversation(conversation, owner_only=True)
	doc = callbacks.record_outcome(doc, outcome, note, by=frappe.session.user)
	return {
		"conversation": doc.name,
		"status": doc.status,
		"result": doc.result,
		"attempts": cint(doc.callback_attempts),
		"due_at": doc.callback_due_at if doc.status == "Queued" else None,
	}


@frappe.whitelist()
def client_requests(client: str | int) -> list[dict]:
	"""The client's callback requests, newest first, as far as the current user may see them."""
	name = visible_client(client)
	return frappe.get_list(
		"IQC Conversation",
		filters={"client": name, "kind": CALLBACK},
		fields=REQUEST_FIELDS,
		order_by="name desc",
		limit_page_length=200,
	)
