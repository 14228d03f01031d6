"""Operators' records (layer: records): who is an operator, their slots, lines and held conversations."""

import frappe
from frappe import _
from frappe.utils import cint, now_datetime

from iqchannels.records import roles, settings


def operator_doc(user: str):
	"""The operator record of a user, made on first use for anyone with the operator role."""
	if frappe.db.exists("IQC Operator", user):
		return frappe.get_doc("IQC Operator", user)
	if not roles.is_operator(user):
		frappe.throw(_("{0} is not an operator.").format(user), frappe.PermissionError)
	doc = frappe.get_doc({"doctype": "IQC Operator", "user": user, "status": "Offline"})
	doc.insert(ignore_permissions=True)
	return doc


def slots_of(operator) -> int:
	return cint(operator.slots) or settings.number("default_slots")


def lines_of(user: str) -> list[str]:
	return frappe.get_all(
		"IQC Line Member",
		filters={"operator": user, "parenttype": "IQC Line"},
		pluck="parent",
		order_by="parent",
	)


def line_members(line: str) -> list[str]:
	return frappe.get_all(
		"IQC Line Member", filters={"parent": line, "parenttype": "IQC Line"}, pluck="operator"
	)


def is_member(user: str, line: str) -> bool:
	return bool(
		frappe.db.exists("IQC Line Member", {"parent": line, "parenttype": "IQC Line", "operator": user})
	)


def held_conversations(user: str, lock: bool = False) -> list[str]:
	"""The operator's open conversations; with `lock`, the latest committed ones, locked."""
	return frappe.db.sql_list(
		f"""select name from `tabIQC Conversation` where operator=%s and status='Open'
		order by name {"for update" if lock else ""}""",
		user,
	)


def full_name(user: str | None) -> str:
	if not user:
		return ""
	return frappe.utils.get_fullname(user)


def mark_seen(user: str) -> None:
	frappe.db.set_value("IQC Operator", user, "last_seen_at", now_datetime(), update_modified=False)
