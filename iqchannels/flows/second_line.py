"""Two-level lines (layer: flows): "To the second line" and "Back to the first line", each one action with a
comment. Both are transfers to a line (`flows.transfers.to_line`): the conversation is requeued in the other
line with its history, the comment is written in it for the colleagues, and the client is told nothing."""

import frappe

from iqchannels.flows.transfers import to_line
from iqchannels.records.exceptions import fail

MAX_COMMENT = 1000


def levels(conversation) -> dict:
	"""Where the conversation can go from here: its line's second line, and the first line it came from."""
	second = frappe.db.get_value("IQC Line", conversation.line, "second_line") if conversation.line else None
	return {"second_line": second or None, "first_line": came_from(conversation)}


def came_from(conversation) -> str | None:
	"""The first line whose operators sent the conversation to its present line, when it did come up from
	one: the latest transfer into this line left a line whose second line this is."""
	if not conversation.line:
		return None
	last = frappe.get_all(
		"IQC Transfer",
		filters={"conversation": str(conversation.name), "status": "Done", "to_line": ["is", "set"]},
		fields=["to_line", "from_line"],
		order_by="creation desc, name desc",
		limit=1,
	)
	if not last or last[0].to_line != conversation.line or not last[0].from_line:
		return None
	first = last[0].from_line
	second = frappe.db.get_value("IQC Line", first, "second_line")
	return first if second == conversation.line else None


def checked_comment(comment: str | None) -> str:
	comment = (comment or "").strip()
	if not comment:
		fail("invalid", "Say in a comment what the other line should know.")
	if len(comment) > MAX_COMMENT:
		fail("invalid", "The comment is longer than {0} characters.", MAX_COMMENT)
	return comment


def movable(conversation) -> None:
	if conversation.status == "Closed":
		fail("conflict", "The conversation is already closed.")


def to_second_line(conversation, by: str, comment: str | None):
	movable(conversation)
	comment = checked_comment(comment)
	second = levels(conversation)["second_line"]
	if not second:
		fail("conflict", "Line {0} has no second line.", conversation.line)
	return to_line(conversation, by, second, comment)


def back_to_first_line(conversation, by: str, comment: str | None):
	movable(conversation)
	comment = checked_comment(comment)
	first = came_from(conversation)
	if not first:
		fail("conflict", "Conversation {0} did not come from a first line.", conversation.name)
	return to_line(conversation, by, first, comment)
