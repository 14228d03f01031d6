"""Whose clients are whose (layer: records): an operator reaches the clients of their lines, a client
belonging to a line by a conversation (any status) or a ticket in it; supervisors reach every client,
those limited to segments the clients of their segments' lines."""

import frappe

from iqchannels.records import roles
from iqchannels.records.operators import lines_of
from iqchannels.records.segments import limited_segments, lines_in


def can_reach_client(client: str, user: str | None = None) -> bool:
	"""Also the clients an operator is responsible for (those they added to the address book), and
	those of conversations and tickets they hold in a line they have since left."""
	user = user or frappe.session.user
	client = str(client)
	if roles.is_supervisor(user):
		if (limits := limited_segments(user)) is None:
			return True
		lines = lines_in(limits) or [""]
	elif roles.is_operator(user):
		lines = lines_of(user) or [""]
	else:
		return False
	if frappe.db.get_value("IQC Client", client, "responsible_operator") == user:
		return True
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
