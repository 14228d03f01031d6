"""Two-level lines and segments for the workspace (layer: endpoints): where a conversation can go between its
first and second line, the two moves, and the segments a user may filter by."""

import frappe

from iqchannels.api.operator import require_operator, visible_conversation, workable_conversation
from iqchannels.flows import second_line
from iqchannels.records.exceptions import http_errors
from iqchannels.records.segments import segment_of_line, visible_segments


@frappe.whitelist()
def levels(conversation: str | int) -> dict:
	"""The conversation's segment, its line's second line and the first line it came from (if any)."""
	doc = visible_conversation(conversation)
	return {
		"name": doc.name,
		"line": doc.line,
		"segment": segment_of_line(doc.line),
		**second_line.levels(doc),
	}


@frappe.whitelist(methods=["POST"])
@http_errors
def to_second_line(conversation: str | int, comment: str | None = None) -> dict:
	"""Requeue the conversation in its line's second line, with a comment for the colleagues there."""
	doc = workable_conversation(conversation, owner_only=True)
	doc = second_line.to_second_line(doc, frappe.session.user, comment)
	return {"name": doc.name, "status": doc.status, "line": doc.line}


@frappe.whitelist(methods=["POST"])
@http_errors
def back_to_first_line(conversation: str | int, comment: str | None = None) -> dict:
	"""Requeue the conversation in the first line it came from, with a comment."""
	doc = workable_conversation(conversation, owner_only=True)
	doc = second_line.back_to_first_line(doc, frappe.session.user, comment)
	return {"name": doc.name, "status": doc.status, "line": doc.line}


@frappe.whitelist()
def segments() -> list[dict]:
	"""The segments the user may filter by (a limited supervisor's own), each with its lines and channels."""
	require_operator()
	return visible_segments()
