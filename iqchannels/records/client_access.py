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
	condition, values = reach_condition(user)
	return bool(
		frappe.db.sql(
			f"select 1 from `tabIQC Client` c where c.name=%(client)s and {condition}",
			{**values, "client": str(client)},
		)
	)


def reach_condition(user: str | None = None) -> tuple[str, dict]:
	"""A condition on `tabIQC Client` c true for the clients the user reaches, and its values."""
	user = user or frappe.session.user
	if roles.is_supervisor(user):
		if (limits := limited_segments(user)) is None:
			return "1=1", {}
		lines = lines_in(limits) or [""]
	elif roles.is_operator(user):
		lines = lines_of(user) or [""]
	else:
		return "1=0", {}
	condition = """(c.responsible_operator=%(reach_user)s
		or exists (select 1 from `tabIQC Conversation` v
			where v.client=c.name and (v.line in %(reach_lines)s or v.operator=%(reach_user)s))
		or exists (select 1 from `tabIQC Ticket` t
			where t.client=c.name and (t.line in %(reach_lines)s or t.assignee=%(reach_user)s)))"""
	return condition, {"reach_user": user, "reach_lines": lines}
