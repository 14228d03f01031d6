"""Reading conversation records (layer: records): the people working on one."""

import frappe


def collaborators(conversation: str | int) -> list[str]:
	# Plain SQL: asked for every event about the conversation, and the query builder costs more here.
	return frappe.db.sql_list(
		"""select user from `tabIQC Conversation Collaborator`
		where parent=%s and parenttype='IQC Conversation' order by idx""",
		str(conversation),
	)
