"""The numbers behind the reports, read with aggregate SQL over the conversations and status logs (layer: read models).

Every report reads through `Scope`: the period (conversations opened in it), the filters a user chose
(a segment stands for its lines), and who may see what: supervisors everyone's statistics (a supervisor
limited to segments, their segments'), an operator only their own.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.utils import add_days, cint, flt, now_datetime, today

from iqchannels.engine.stats import (
	WAIT_BUCKETS,
	StatusChange,
	percentile,
	time_in_status,
)
from iqchannels.records import roles, segments, settings
from iqchannels.records.exceptions import fail
from iqchannels.records.inputs import report_period
from iqchannels.records.operators import full_name

FILTER_FIELDS = ("line", "operator", "channel", "category", "result")
STATUSES = ("Active", "Away", "Break", "Offline")
# Seconds from one moment of a conversation to another, in SQL (averages are rounded to whole seconds).
WAIT = "timestampdiff(second, c.opened_at, c.assigned_at)"
# Ratings are 1 to 5; 0 is a conversation nobody rated.
RATING = "nullif(c.csat_rating, 0)"
FIRST_RESPONSE = "timestampdiff(second, c.opened_at, c.first_response_at)"
# A line's first-response target in seconds (the settings' default where the line has none).
TARGET = "coalesce(nullif(line.first_response_target_minutes, 0) * 60, %(default_target)s)"
HANDLING = "timestampdiff(second, c.assigned_at, c.closed_at)"


@dataclass
class Scope:
	start: datetime
	end: datetime
	where: str
	params: dict
	operator: str | None
	segments: list[str] | None = None

	@classmethod
	def of(cls, filters, column: str = "c.opened_at", table: str = "c", fields=FILTER_FIELDS) -> "Scope":
		"""Rows of `table` whose `column` lies in the period and whose `fields` match the filters (by
		default conversations opened in the period)."""
		filters = frappe._dict(filters or {})
		start, end = report_period(filters)
		operator = visible_operator(filters.get("operator"))
		conditions = [f"{column} >= %(start)s", f"{column} < %(end)s"]
		params = {"start": start, "end": end}
		for field in fields:
			value = operator if field == "operator" else filters.get(field)
			if value:
				conditions.append(f"{table}.{field} = %({field})s")
				params[field] = value
		within = segments.scope(requested=filters.get("segment"))
		if condition := segments.line_condition(f"{table}.line", within):
			conditions.append(condition)
		return cls(start, end, " and ".join(conditions), params, operator, within)


def visible_operator(requested: str | None) -> str | None:
	"""Supervisors read everyone's statistics; an operator reads their own, whatever they ask for."""
	user = frappe.session.user
	if roles.is_supervisor(user):
		return requested or None
	if not roles.is_operator(user):
		fail("forbidden", "Only IQChannels operators and supervisors can read these reports.")
	if requested and requested != user:
		fail("forbidden", "Operators see only their own statistics.")
	return user


def conversations_by_day(scope: Scope) -> list[dict]:
	return frappe.db.sql(
		f"""select date(c.opened_at) as day,
			count(*) as opened,
			sum(c.status = 'Closed') as closed,
			sum(c.first_response_at is not null) as answered,
			sum(c.status = 'Closed' and c.first_response_at is null and c.spam = 0) as unanswered,
			round(avg({WAIT})) as wait,
			round(avg({FIRST_RESPONSE})) as first_response,
			round(avg(case when c.status = 'Closed' then {HANDLING} end)) as handling,
			avg({RATING}) as csat
		from `tabIQC Conversation` c where {scope.where}
		group by date(c.opened_at) order by day""",
		scope.params,
		as_dict=True,
	)


def operator_performance(scope: Scope) -> list[dict]:
	rows = frappe.db.sql(
		f"""select c.operator,
			count(*) as conversations,
			sum(c.status = 'Closed') as handled,
			round(avg({FIRST_RESPONSE})) as first_response,
			round(avg(case when c.status = 'Closed' then {HANDLING} end)) as handling,
			avg({RATING}) as csat,
			count({RATING}) as rated
		from `tabIQC Conversation` c where {scope.where} and c.operator is not null
		group by c.operator order by handled desc, c.operator""",
		scope.params,
		as_dict=True,
	)
	# One narrow read of the response times gives every operator's 90th percentile.
	times = defaultdict(list)
	for operator, seconds in frappe.db.sql(
		f"""select c.operator, {FIRST_RESPONSE} from `tabIQC Conversation` c
		where {scope.where} and c.operator is not null and c.first_response_at is not null""",
		scope.params,
	):
		times[operator].append(seconds)
	results = defaultdict(list)
	for operator, result, count in frappe.db.sql(
		f"""select c.operator, c.result, count(*) from `tabIQC Conversation` c
		where {scope.where} and c.operator is not null and c.result is not null
		group by c.operator, c.result order by count(*) desc, c.result""",
		scope.params,
	):
		results[operator].append(f"{_(result)} {count}")
	for row in rows:
		row.operator_name = full_name(row.operator)
		row.first_response_p90 = percentile(times[row.operator], 0.9)
		row.results = ", ".join(results[row.operator])
	return rows


def waits(scope: Scope) -> dict:
	"""How long conversations waited for an operator, in buckets; and those nobody answered."""
	cases = " ".join(
		f"when {WAIT} < {bound} then {frappe.db.escape(label)}" for bound, label in WAIT_BUCKETS if bound
	)
	counted = dict(
		frappe.db.sql(
			f"""select case {cases} else {frappe.db.escape(WAIT_BUCKETS[-1][1])} end, count(*)
			from `tabIQC Conversation` c where {scope.where} and c.assigned_at is not null group by 1""",
			scope.params,
		)
	)
	totals = frappe.db.sql(
		f"""select count(*) as conversations,
			sum(c.assigned_at is not null) as assigned,
			sum(c.status = 'Closed' and c.first_response_at is null and c.spam = 0) as unanswered,
			sum(c.status = 'Queued') as waiting_now,
			round(avg({WAIT})) as average_wait,
			max({WAIT}) as longest_wait
		from `tabIQC Conversation` c where {scope.where}""",
		scope.params,
		as_dict=True,
	)[0]
	return {"buckets": [(label, cint(counted.get(label))) for _bound, label in WAIT_BUCKETS], **totals}


def sla_by_line(scope: Scope) -> list[dict]:
	"""First response within each line's target: met, breached, and (the rest) still in time."""
	rows = frappe.db.sql(
		f"""select c.line,
			{TARGET} as target,
			count(*) as conversations,
			sum({FIRST_RESPONSE} <= {TARGET}) as met,
			sum(coalesce({FIRST_RESPONSE}, timestampdiff(second, c.opened_at, %(now)s)) > {TARGET}) as breached
		from `tabIQC Conversation` c left join `tabIQC Line` line on line.name = c.line
		where {scope.where} and c.spam = 0 group by c.line, target order by c.line""",
		{**scope.params, "default_target": default_target().total_seconds(), "now": now_datetime()},
		as_dict=True,
	)
	for row in rows:
		row.met, row.breached = cint(row.met), cint(row.breached)
		decided = row.met + row.breached
		row.share_met = flt(100 * row.met / decided, 1) if decided else None
	return rows


def first_response_targets() -> dict[str, timedelta]:
	return {
		name: timedelta(minutes=minutes)
		for name, minutes in frappe.get_all(
			"IQC Line", fields=["name", "first_response_target_minutes"], as_list=True
		)
		if minutes
	}


def default_target() -> timedelta:
	return timedelta(minutes=settings.number("sla_first_response_minutes"))


def status_time(scope: Scope) -> list[dict]:
	"""Each operator's time in each status, per day of the period (up to now)."""
	end = min(scope.end, now_datetime())
	filters = {"name": scope.operator} if scope.operator else {}
	if scope.segments is not None:
		# Within segments: the operators who work in their lines.
		members = frappe.get_all(
			"IQC Line Member",
			filters={"parenttype": "IQC Line", "parent": ["in", segments.lines_in(scope.segments) or [""]]},
			pluck="operator",
		)
		filters["name"] = ["in", [m for m in members if m == scope.operator or not scope.operator] or [""]]
	operators = frappe.get_all("IQC Operator", filters=filters, pluck="name", order_by="name")
	if not operators or end <= scope.start:
		return []
	changes = defaultdict(list)
	for operator, at, old, new in frappe.db.sql(
		"""select operator, changed_at, from_status, to_status from `tabIQC Operator Status Log`
		where operator in %(operators)s and changed_at < %(end)s and changed_at >= %(start)s
		order by changed_at, creation""",
		{"operators": operators, "start": scope.start, "end": end},
	):
		changes[operator].append(StatusChange(at, old, new))
	before = dict(
		frappe.db.sql(
			"""select log.operator, log.to_status from `tabIQC Operator Status Log` log
			join (select operator, max(changed_at) as last from `tabIQC Operator Status Log`
				where operator in %(operators)s and changed_at < %(start)s group by operator) latest
			on latest.operator = log.operator and latest.last = log.changed_at""",
			{"operators": operators, "start": scope.start},
		)
	)
	rows = []
	for operator in operators:
		if operator not in before and not changes[operator]:
			continue  # never at work in or before the period
		initial = before.get(operator) or first_known_status(changes[operator])
		spent = time_in_status(changes[operator], scope.start, end, initial)
		for day in sorted({day for day, _status in spent}):
			row = {"day": day, "operator": operator, "operator_name": full_name(operator)}
			row.update({status.lower(): spent.get((day, status), 0) for status in STATUSES})
			rows.append(row)
	return rows


def first_known_status(changes: list[StatusChange]) -> str:
	"""Before their first logged change an operator was in the status that change left."""
	return changes[0].old if changes else "Offline"


@frappe.whitelist()
def average_wait_today(filters=None) -> dict:
	"""Number card: how long today's clients waited for an operator, on average."""
	scope = Scope.of({"from_date": today(), "to_date": today()})
	wait = frappe.db.sql(
		f"select round(avg({WAIT})) from `tabIQC Conversation` c where {scope.where}", scope.params
	)[0][0]
	return {"value": cint(wait), "fieldtype": "Duration"}


@frappe.whitelist()
def rating_last_week(filters=None) -> dict:
	"""Number card: the clients' average rating of the conversations of the last 7 days."""
	scope = Scope.of({"from_date": add_days(today(), -6), "to_date": today()})
	rating = frappe.db.sql(
		f"select avg({RATING}) from `tabIQC Conversation` c where {scope.where}", scope.params
	)[0][0]
	return {"value": flt(rating, 2), "fieldtype": "Float"}
