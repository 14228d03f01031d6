"""Operators in the shell: their records, lines, load and status changes."""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import cint, now_datetime

from iqchannels import realtime, roles, settings, wakeups
from iqchannels.engine.model import OfflinePolicy
from iqchannels.engine.statuses import plan_status_change


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


def change_status(user: str, status: str, automatic: bool = False, reason: str | None = None):
	"""Apply a status change decided by the engine: log it, requeue if needed, wake the lines up.

	An automatic change (the workspace went away) always returns held conversations to the queue:
	nobody is there to close them.
	"""
	from iqchannels import conversations

	operator = operator_doc(user)
	# Serialize with distribution, which locks the operators it hands work to; the locking read also
	# gives the latest status rather than this transaction's snapshot.
	operator.status = frappe.db.sql(
		"select status from `tabIQC Operator` where name=%s for update", operator.name
	)[0][0]
	held = held_conversations(user, lock=True)
	policy = OfflinePolicy.REQUEUE if automatic else settings.offline_policy()
	change = plan_status_change(operator.status, status, len(held), policy)
	if not change.changed:
		return operator

	now = now_datetime()
	frappe.get_doc(
		{
			"doctype": "IQC Operator Status Log",
			"operator": operator.name,
			"from_status": change.old,
			"to_status": change.new,
			"changed_at": now,
			"changed_by": frappe.session.user,
			"automatic": int(automatic),
			"reason": reason,
			"requeued": len(held) if change.requeue_held else 0,
		}
	).insert(ignore_permissions=True)
	frappe.db.set_value(
		"IQC Operator",
		operator.name,
		{"status": change.new, "status_since": now, "last_seen_at": now},
		update_modified=False,
	)
	operator.status, operator.status_since = change.new, now

	if change.requeue_held:
		why = _("{0} went {1}").format(full_name(user), _(change.new))
		for name in held:
			conversations.requeue(name, why)
	if change.frees_capacity:
		for line in lines_of(user):
			wakeups.request(line)

	change_payload = {"operator": user, "status": change.new, "since": str(now), "automatic": bool(automatic)}
	realtime.publish("operator-status-changed", change_payload, [user])
	realtime.publish_to_supervisors("operator-status-changed", change_payload)
	return operator


def full_name(user: str | None) -> str:
	if not user:
		return ""
	return frappe.utils.get_fullname(user)


def mark_seen(user: str) -> None:
	frappe.db.set_value("IQC Operator", user, "last_seen_at", now_datetime(), update_modified=False)


def offline_absent() -> list[str]:
	"""Scheduler job: Active operators whose workspace has been silent past the presence timeout go
	Offline, logged as automatic."""
	threshold = now_datetime() - timedelta(minutes=settings.number("presence_timeout_minutes"))
	absent = frappe.get_all(
		"IQC Operator",
		filters={"status": "Active"},
		or_filters=[["last_seen_at", "<", threshold], ["last_seen_at", "is", "not set"]],
		pluck="name",
	)
	for user in absent:
		change_status(user, "Offline", automatic=True, reason=_("The workspace was disconnected"))
	return absent
