"""Row-level access (layer: records): operators see their own conversations and the queues of their lines.

Wired in hooks.py as `has_permission` and `permission_query_conditions`, so the desk's list views,
Report Builder and `frappe.get_list` in the APIs all apply the same rule.
"""

import frappe

from iqchannels.records import roles
from iqchannels.records.followers import followed_condition, is_follower
from iqchannels.records.operators import lines_of
from iqchannels.records.segments import limited_segments, may_see_line
from iqchannels.records.segments import line_condition as segment_line_condition


def by_role(user: str) -> str | None:
	"""The condition for those whose role alone decides: everything for those who oversee the floor,
	nothing for those outside it; None for an operator, whose rows are their own."""
	if roles.is_supervisor(user):
		return ""
	if not roles.is_operator(user):
		return "1=0"
	return None


def conversation_condition(user: str | None = None) -> str:
	user = user or frappe.session.user
	# A supervisor limited to segments sees their segments' lines only.
	if (limits := limited_segments(user)) is not None:
		return segment_line_condition("`tabIQC Conversation`.line", limits)
	if (decided := by_role(user)) is not None:
		return decided
	me = frappe.db.escape(user)
	mine = (
		f"(`tabIQC Conversation`.operator = {me} or exists (select 1 from `tabIQC Conversation Collaborator` "
		"collaborator where collaborator.parenttype = 'IQC Conversation' and collaborator.parent = "
		f"`tabIQC Conversation`.name and collaborator.user = {me}) "
		f"or {followed_condition(user, '`tabIQC Conversation`.client')})"
	)
	lines = lines_of(user)
	if not lines:
		return f"({mine})"
	line_list = ", ".join(frappe.db.escape(line) for line in lines)
	return f"({mine} or (`tabIQC Conversation`.status = 'Queued' and `tabIQC Conversation`.line in ({line_list})))"


def can_see_conversation(conversation, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if roles.is_supervisor(user):
		return may_see_line(conversation.line, user)
	if not roles.is_operator(user):
		return False
	if conversation.operator == user or is_collaborator(conversation, user):
		return True
	if conversation.status == "Queued" and conversation.line in lines_of(user):
		return True
	# A favourite's conversations are read by the follower; writing still needs one of the above.
	return is_follower(conversation.get("client"), user)


def is_collaborator(conversation, user: str) -> bool:
	return bool(
		frappe.db.exists(
			"IQC Conversation Collaborator",
			{"parent": str(conversation.name), "parenttype": "IQC Conversation", "user": user},
		)
	)


def conversation_has_permission(doc, ptype=None, user=None, debug=False):
	return can_see_conversation(doc, user)


def message_condition(user: str | None = None) -> str:
	user = user or frappe.session.user
	inner = conversation_condition(user)
	if not inner or inner == "1=0":
		return inner
	return (
		"exists (select 1 from `tabIQC Conversation` where `tabIQC Conversation`.name = "
		f"`tabIQC Message`.conversation and {inner})"
	)


def message_has_permission(doc, ptype=None, user=None, debug=False):
	conversation = frappe.db.get_value(
		"IQC Conversation", doc.conversation, ["name", "operator", "status", "line", "client"], as_dict=True
	)
	return bool(conversation) and can_see_conversation(conversation, user)


def quick_reply_condition(user: str | None = None) -> str:
	"""Everyone sees global and line replies; personal ones only their owner (supervisors all)."""
	user = user or frappe.session.user
	if roles.is_supervisor(user):
		return ""
	return (
		f"(`tabIQC Quick Reply`.scope != 'Personal' or `tabIQC Quick Reply`.user = {frappe.db.escape(user)})"
	)


def quick_reply_has_permission(doc, ptype=None, user=None, debug=False):
	user = user or frappe.session.user
	if roles.is_supervisor(user):
		return True
	if doc.scope == "Personal":
		return doc.user in (None, "", user)
	# Shared replies are read by operators and edited by supervisors.
	return ptype in (None, "read", "select", "report", "print", "email")


def transfer_condition(user: str | None = None) -> str:
	user = user or frappe.session.user
	if roles.is_supervisor(user):
		return ""
	me = frappe.db.escape(user)
	return f"(`tabIQC Transfer`.from_operator = {me} or `tabIQC Transfer`.to_operator = {me})"


def line_condition(user: str | None = None) -> str:
	"""Operators read only the lines they work in; a line's realtime room follows the same rule."""
	user = user or frappe.session.user
	if roles.is_supervisor(user) or not roles.is_operator(user):
		return ""
	lines = lines_of(user)
	if not lines:
		return "1=0"
	return f"`tabIQC Line`.name in ({', '.join(frappe.db.escape(line) for line in lines)})"


def line_has_permission(doc, ptype=None, user=None, debug=False):
	user = user or frappe.session.user
	if roles.is_supervisor(user) or not roles.is_operator(user):
		return True
	return doc.name in lines_of(user)


def settings_has_permission(doc, ptype=None, user=None, debug=False):
	"""Only those who oversee the floor read the settings, and so only they may join the
	supervisors' realtime room, which is the settings' document room."""
	return roles.is_supervisor(user or frappe.session.user)


def ticket_condition(user: str | None = None) -> str:
	"""An operator sees the tickets of their lines, those assigned to them and those they watch."""
	user = user or frappe.session.user
	if (limits := limited_segments(user)) is not None:
		return segment_line_condition("`tabIQC Ticket`.line", limits)
	if (decided := by_role(user)) is not None:
		return decided
	me = frappe.db.escape(user)
	condition = (
		f"(`tabIQC Ticket`.assignee = {me} or exists (select 1 from `tabIQC Ticket Watcher` watcher "
		"where watcher.parenttype = 'IQC Ticket' and watcher.parent = `tabIQC Ticket`.name "
		f"and watcher.user = {me})"
	)
	if lines := lines_of(user):
		condition += " or `tabIQC Ticket`.line in ({})".format(
			", ".join(frappe.db.escape(line) for line in lines)
		)
	return condition + ")"


def can_see_ticket(ticket, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if roles.is_supervisor(user):
		return may_see_line(ticket.line, user)
	if not roles.is_operator(user):
		return False
	if ticket.assignee == user or (ticket.line and ticket.line in lines_of(user)):
		return True
	return bool(
		frappe.db.exists(
			"IQC Ticket Watcher", {"parent": str(ticket.name), "parenttype": "IQC Ticket", "user": user}
		)
	)


def ticket_has_permission(doc, ptype=None, user=None, debug=False):
	if doc.is_new():
		return True  # the doctype's create permission decides; the flows check the line
	return can_see_ticket(doc, user)


def ticket_event_condition(user: str | None = None) -> str:
	inner = ticket_condition(user)
	if not inner or inner == "1=0":
		return inner
	return f"`tabIQC Ticket Event`.ticket in (select `tabIQC Ticket`.name from `tabIQC Ticket` where {inner})"
