"""Reading conversation records (layer: records): the people working on one."""

import frappe


def collaborators(conversation: str | int) -> list[str]:
	# Plain SQL: asked for every event about the conversation, and the query builder costs more here.
	return frappe.db.sql_list(
		"""select user from `tabIQC Conversation Collaborator`
		where parent=%s and parenttype='IQC Conversation' order by idx""",
		str(conversation),
	)


def collaborators_of(conversations: list) -> dict[str, list[str]]:
	"""The collaborators of many conversations in one read, by conversation."""
	if not conversations:
		return {}
	found: dict[str, list[str]] = {}
	for parent, user in frappe.db.sql(
		"""select parent, user from `tabIQC Conversation Collaborator`
		where parenttype='IQC Conversation' and parent in %s order by idx""",
		[tuple(str(c) for c in conversations)],
	):
		found.setdefault(str(parent), []).append(user)
	return found
