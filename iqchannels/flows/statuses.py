"""Operators' statuses (layer: flows): a change decided by the engine, logged, with the held
conversations returned to the queue and the lines woken up when it frees capacity; and the presence
sweep that moves silent operators Offline."""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import now_datetime

from iqchannels.engine.model import OfflinePolicy
from iqchannels.engine.statuses import plan_status_change
from iqchannels.flows.lifecycle import requeue
from iqchannels.records import realtime, settings, wakeups
from iqchannels.records.operators import full_name, held_conversations, lines_of, operator_doc


def change_status(user: str, status: str, automatic: bool = False, reason: str | None = None):
	"""Apply a status change decided by the engine: log it, requeue if needed, wake the lines up.

	An automatic change (the workspace went away) always returns held conversations to the queue:
	nobody is there to close them.
	"""

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
			requeue(name, why)
	if change.frees_capacity:
		for line in lines_of(user):
			wakeups.request(line)

	change_payload = {"operator": user, "status": change.new, "since": str(now), "automatic": bool(automatic)}
	realtime.publish("operator-status-changed", change_payload, [user])
	realtime.publish_to_supervisors("operator-status-changed", change_payload)
	return operator


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
