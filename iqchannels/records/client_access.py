"""Whose clients are whose (layer: records): an operator reaches the clients of their lines, a client
belonging to a line by a conversation (any status) or a ticket in it; supervisors reach every client."""

import frappe

from iqchannels.records import roles
from iqchannels.records.operators import lines_of


def can_reach_client(client: str, user: str | None = None) -> bool:
	"""Also the clients an operator is responsible for (those they added to the address book), and
	those of conversations and tickets they hold in a line they have since left."""
	user = user or frappe.session.user
	if roles.is_supervisor(user):
		return True
	if not roles.is_operator(user):
		return False
	client = str(client)
	if frappe.db.get_value("IQC Client", client, "responsible_operator") == user:
		return True
	lines = lines_of(user) or [""]
	return bool(
		frappe.db.sql(
			"""select 1 from `tabIQC Conversation`
			where client=%(client)s and (line in %(lines)s or operator=%(user)s) limit 1""",
			{"client": client, "lines": lines, "user": user},
		)
		or frappe.db.sql(
			"""select 1 from `tabIQC Ticket`
			where client=%(client)s and (line in %(lines)s or assignee=%(user)s) limit 1""",
			{"client": client, "lines": lines, "user": user},
		)
	)
