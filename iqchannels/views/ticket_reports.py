"""The numbers behind the tickets report and the tickets' number cards, read with aggregate SQL (layer: read models).

`TicketScope` is the tickets' counterpart of the conversations' `Scope`: the period (tickets opened in
it), the filters a user chose, and who may see what: the same rule as the desk's ticket lists
(`records.permissions.ticket_condition`): supervisors every ticket, an operator the tickets assigned to
them, of their lines and those they watch.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import frappe
from frappe import _
from frappe.utils import cint, flt, now_datetime

from iqchannels.engine.stats import percentile
from iqchannels.engine.tickets import ACTIVE, DONE
from iqchannels.records import roles, segments
from iqchannels.records.exceptions import fail
from iqchannels.records.inputs import report_period
from iqchannels.records.operators import full_name
from iqchannels.records.permissions import ticket_condition

FILTER_FIELDS = ("line", "assignee", "ticket_type")
# What the report groups by, and the ticket's column that holds it.
GROUPS = {"Type": "ticket_type", "Line": "line", "Assignee": "assignee"}
ACTIVE_STATUSES = tuple(sorted(ACTIVE))
DONE_STATUSES = tuple(sorted(DONE))
# A ticket counts as resolved while it stays resolved (or was closed after it was): a reopened ticket
# loses its resolved_at and is worked again.
RESOLVED = "(status in %(done)s and resolved_at is not null)"
RESOLUTION = "timestampdiff(second, opened_at, resolved_at)"
# Overdue: still worked after its due moment, or resolved after it.
OVERDUE = f"""(due_by is not null and (
	(status in %(active)s and due_by < %(now)s) or ({RESOLVED} and resolved_at > due_by)))"""
HOUR = 3600


@dataclass
class TicketScope:
	start: datetime
	end: datetime
	where: str
	params: dict

	@classmethod
	def of(cls, filters) -> "TicketScope":
		filters = frappe._dict(filters or {})
		start, end = report_period(filters)
		conditions = ["opened_at >= %(start)s", "opened_at < %(end)s"]
		params = {
			"start": start,
			"end": end,
			"active": ACTIVE_STATUSES,
			"done": DONE_STATUSES,
			"now": now_datetime(),
		}
		for field in FILTER_FIELDS:
			if filters.get(field):
				conditions.append(f"{field} = %({field})s")
				params[field] = filters.get(field)
		if visible := visibility(frappe.session.user):
			conditions.append(visible)
		# A segment stands for its lines (a limited supervisor's own are already in `visible`).
		if filters.get("segment"):
			conditions.append(segments.line_condition("line", segments.scope(requested=filters.segment)))
		return cls(start, end, " and ".join(conditions), params)


def visibility(user: str) -> str:
	if not roles.is_supervisor(user) and not roles.is_operator(user):
		fail("forbidden", "Only IQChannels operators and supervisors can read these reports.")
	return ticket_condition(user)


def tickets_by_group(scope: TicketScope, group_by: str = "Type") -> dict:
	"""Per group and in total: opened, resolved, still open, overdue, and the average and 90th
	percentile of the hours from opening to resolution. {"groups": [rows], "total": row}."""
	if group_by not in GROUPS:
		fail("invalid", "Group by one of: {groups}.", groups=", ".join(GROUPS))
	column = GROUPS[group_by]
	rows = frappe.db.sql(
		f"""select {column} as `group`,
			count(*) as opened,
			sum({RESOLVED}) as resolved,
			sum(status in %(active)s) as still_open,
			sum({OVERDUE}) as overdue,
			avg(case when {RESOLVED} then {RESOLUTION} end) as average_seconds
		from `tabIQC Ticket` where {scope.where}
		group by {column} order by opened desc, `group`""",
		scope.params,
		as_dict=True,
	)
	# One narrow read of the resolution times gives every group's 90th percentile and the total's.
	times = defaultdict(list)
	for group, seconds in frappe.db.sql(
		f"""select {column}, {RESOLUTION} from `tabIQC Ticket`
		where {scope.where} and {RESOLVED}""",
		scope.params,
	):
		times[group].append(seconds)
	everything = [seconds for group_times in times.values() for seconds in group_times]
	for row in rows:
		row.update(counts(row))
		row.label = group_label(group_by, row.group)
		row.average_hours = hours(row.pop("average_seconds"))
		row.p90_hours = hours(percentile(times[row.group], 0.9))
	total = frappe._dict(
		label=_("Total"),
		group=None,
		is_total=1,
		opened=sum(row.opened for row in rows),
		resolved=sum(row.resolved for row in rows),
		still_open=sum(row.still_open for row in rows),
		overdue=sum(row.overdue for row in rows),
		average_hours=hours(sum(everything) / len(everything) if everything else None),
		p90_hours=hours(percentile(everything, 0.9)),
	)
	return {"groups": rows, "total": total}


def counts(row) -> dict:
	return {key: cint(row[key]) for key in ("opened", "resolved", "still_open", "overdue")}


def hours(seconds: float | None) -> float | None:
	return None if seconds is None else flt(seconds / HOUR, 1)


def group_label(group_by: str, value: str | None) -> str:
	if not value:
		return {"Type": _("No type"), "Line": _("No line"), "Assignee": _("Unassigned")}[group_by]
	return full_name(value) if group_by == "Assignee" else value


@frappe.whitelist()
def overdue_tickets(filters=None) -> dict:
	"""Number card: active tickets past their due moment, of those the user may see."""
	now = now_datetime()
	filters = {"status": ["in", ACTIVE_STATUSES], "due_by": ["<", now]}
	count = frappe.get_list("IQC Ticket", filters=filters, fields=["count(*) as n"])[0].n
	return {
		"value": cint(count),
		"fieldtype": "Int",
		"route": ["List", "IQC Ticket"],
		"route_options": {"status": ["in", ACTIVE_STATUSES], "due_by": ["<", str(now)]},
	}
