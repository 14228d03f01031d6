"""The numbers behind the calls' reports, read with aggregate SQL over the calls and the callback requests
(layer: read models).

`call_scope` is the conversations' `Scope` over the calls: the period (calls started in it),
the filters a user chose (a segment stands for its lines), and who may see what: supervisors everyone's
calls (a supervisor limited to segments, their segments'), an operator only their own.

What the figures mean:
- a missed call is an inbound call nobody answered (Missed, Busy or Failed);
- the wait is how long an inbound caller waited: until an operator answered or until they hung up;
- the talk is the time between the answer and the end of an answered call;
- a callback request is reached when the operator recorded the outcome Reached (its result is "Called
  back"); the time to call back runs from the request to the first call made for it.
"""

from collections import defaultdict

import frappe
from frappe.utils import cint, flt, getdate, now_datetime

from iqchannels.records.callbacks import CALLED_BACK
from iqchannels.records.operators import full_name
from iqchannels.views.reporting import STATUSES, Scope

CALL_FILTERS = ("line", "operator", "channel")
NOT_ANSWERED = ("Missed", "Busy", "Failed")
# A request reached is one closed with the result the "Reached" outcome gives it.
REACHED = CALLED_BACK
# Seconds, from the stored durations, else from the call's moments (Int fields store a missing duration as
# 0; where 0 is true, the moments give 0 too).
WAIT = "coalesce(nullif(k.wait_seconds, 0), timestampdiff(second, k.started_at, coalesce(k.answered_at, k.ended_at)))"
TALK = "coalesce(nullif(k.talk_seconds, 0), timestampdiff(second, k.answered_at, k.ended_at))"
MISSED = "(k.direction = 'Inbound' and k.state in %(not_answered)s)"


def call_scope(filters, column: str = "k.started_at", table: str = "k") -> Scope:
	"""The conversations' `Scope` over the calls (calls started in the period by default)."""
	scope = Scope.of(filters, column, table, CALL_FILTERS)
	scope.params.update(not_answered=NOT_ANSWERED, reached=REACHED)
	return scope


def calls_by_day(scope: Scope) -> list[dict]:
	"""Per day and line: inbound, outbound, answered and missed calls, the average wait and talk."""
	return frappe.db.sql(
		f"""select date(k.started_at) as day, k.line,
			count(*) as calls,
			sum(k.direction = 'Inbound') as inbound,
			sum(k.direction = 'Outbound') as outbound,
			sum(k.state = 'Answered') as answered,
			sum({MISSED}) as missed,
			round(avg(case when k.direction = 'Inbound' and k.state != 'Ringing' then {WAIT} end)) as wait,
			round(avg(case when k.state = 'Answered' and k.ended_at is not null then {TALK} end)) as talk
		from `tabIQC Call` k where {scope.where}
		group by date(k.started_at), k.line order by day, k.line""",
		scope.params,
		as_dict=True,
	)


def callback_requests(filters) -> list[dict]:
	"""Per day and line: the callback requests made, how many were reached and their share among those
	decided, the time to the first call back and to the reaching one, and the attempts."""
	scope = call_scope(filters, column="c.opened_at", table="c")
	rows = frappe.db.sql(
		f"""select date(c.opened_at) as day, c.line,
			count(*) as requests,
			sum(c.status != 'Closed') as still_open,
			sum(c.status = 'Closed' and c.result = %(reached)s) as reached,
			sum(c.status = 'Closed') as closed,
			round(avg(timestampdiff(second, c.opened_at, first_call.at))) as to_first_call,
			round(avg(case when c.status = 'Closed' and c.result = %(reached)s
				then timestampdiff(second, c.opened_at, c.closed_at) end)) as to_reached,
			sum(c.callback_attempts) as attempts
		from `tabIQC Conversation` c
		left join (select k.conversation, min(k.started_at) as at from `tabIQC Call` k
			where k.direction = 'Outbound' and k.conversation is not null group by k.conversation) first_call
			on first_call.conversation = c.name
		where c.kind = 'Callback' and {scope.where}
		group by date(c.opened_at), c.line order by day, c.line""",
		scope.params,
		as_dict=True,
	)
	for row in rows:
		row.reached, row.closed = cint(row.reached), cint(row.closed)
		row.share_reached = flt(100 * row.reached / row.closed, 1) if row.closed else None
		row.attempts = cint(row.attempts)
	return rows


def calls_by_operator(filters) -> dict[str, dict]:
	"""Per operator: inbound calls answered, calls made, and the time talked."""
	scope = call_scope(filters)
	rows = frappe.db.sql(
		f"""select k.operator,
			sum(k.direction = 'Inbound' and k.state = 'Answered') as calls_answered,
			sum(k.direction = 'Outbound') as calls_made,
			coalesce(sum(case when k.state = 'Answered' then {TALK} end), 0) as talk_time
		from `tabIQC Call` k where {scope.where} and k.operator is not null
		group by k.operator""",
		scope.params,
		as_dict=True,
	)
	return {row.operator: row for row in rows}


def with_calls(rows: list[dict], filters) -> list[dict]:
	"""The operator performance's rows with each operator's calls; operators who only took calls get a
	row of their own."""
	calls = calls_by_operator(filters)
	for row in rows:
		figures = calls.pop(row.operator, None) or {}
		for field in ("calls_answered", "calls_made", "talk_time"):
			row[field] = cint(figures.get(field))
	for operator, figures in sorted(calls.items()):
		rows.append(
			frappe._dict(
				operator=operator,
				operator_name=full_name(operator),
				conversations=0,
				handled=0,
				calls_answered=cint(figures.calls_answered),
				calls_made=cint(figures.calls_made),
				talk_time=cint(figures.talk_time),
			)
		)
	return rows


def time_on_calls(filters) -> dict[tuple, int]:
	"""Seconds each operator spent talking on answered calls, per day the call was answered (up to now,
	a call still going counting until now)."""
	scope = call_scope(filters, column="k.answered_at")
	spent = defaultdict(int)
	for day, operator, seconds in frappe.db.sql(
		f"""select date(k.answered_at), k.operator,
			sum(timestampdiff(second, k.answered_at, coalesce(k.ended_at, %(now)s)))
		from `tabIQC Call` k where {scope.where} and k.operator is not null and k.state = 'Answered'
		group by date(k.answered_at), k.operator""",
		{**scope.params, "now": now_datetime()},
	):
		spent[(getdate(day), operator)] += cint(seconds)
	return spent


def with_time_on_calls(rows: list[dict], filters) -> list[dict]:
	"""The status time's rows with each operator's time on calls that day; a day with calls but no
	status row gets one of its own."""
	spent = time_on_calls(filters)
	for row in rows:
		row["on_calls"] = spent.pop((getdate(row["day"]), row["operator"]), 0)
	for (day, operator), seconds in sorted(spent.items()):
		extra = {"day": day, "operator": operator, "operator_name": full_name(operator), "on_calls": seconds}
		rows.append({**dict.fromkeys((status.lower() for status in STATUSES), 0), **extra})
	rows.sort(key=lambda row: (getdate(row["day"]), row["operator"]))
	return rows
