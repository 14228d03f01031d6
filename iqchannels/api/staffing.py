"""What-if staffing for supervisors (layer: endpoints): a past day as it went and replayed with other staffing, the
coming week's forecast, staffing plans saved for comparison later, and these tables as CSV files."""

import frappe
from frappe import _
from frappe.utils import getdate, today
from frappe.utils.csvutils import build_csv_response

from iqchannels.api.supervisor import require_supervisor
from iqchannels.records import settings
from iqchannels.records.exceptions import fail, http_errors
from iqchannels.records.inputs import date_argument, json_argument
from iqchannels.records.segments import may_see_line
from iqchannels.views import staffing as read_model
from iqchannels.views.staffing_forecast import forecast as forecast_week
from iqchannels.views.staffing_input import (
	Period,
	checked_slots,
	existing_lines,
	hour_of,
	operators_count,
	staffing_from,
	whole,
)

PLANS_LISTED = 20


@frappe.whitelist()
@http_errors
def day(lines: str | list, date: str, to_date: str | None = None) -> dict:
	"""The real figures of the day (or period), its replay with the staffing that really worked it, and that
	staffing per hour."""
	require_supervisor()
	return read_model.day(existing_lines(lines), Period(date, to_date))


@frappe.whitelist()
@http_errors
def replay(lines: str | list, date: str, staffing: str | dict, to_date: str | None = None) -> dict:
	"""The day replayed with `staffing`: {"per_hour": {"9": 4, ...}, "slots": 3} and/or
	{"shifts": [{"operator": ..., "from": "09:00", "to": "17:00", "slots": 3}]}."""
	require_supervisor()
	return read_model.replay_with(existing_lines(lines), Period(date, to_date), staffing)


@frappe.whitelist()
@http_errors
def forecast(lines: str | list, date: str | None = None, weeks: int | str = 4) -> dict:
	"""The operators each hour of the 7 days from `date` needs."""
	require_supervisor()
	return forecast_week(existing_lines(lines), date_argument(date or today()), weeks)


@frappe.whitelist(methods=["POST"])
@http_errors
def apply_plan(
	lines: str | list,
	date: str,
	per_hour: str | dict | list,
	slots: int | str | None = None,
	weeks: int | str | None = None,
	target_minutes: float | str | None = None,
) -> dict:
	"""Save a staffing plan for a day: per_hour maps an hour to its operators, or to {"operators", "arrivals",
	"handle_seconds", "service_level"} as the forecast gave them."""
	require_supervisor()
	chosen = existing_lines(lines)
	if not date:
		fail("invalid", "Choose a day.")
	rows = []
	per_hour = json_argument(per_hour, "per_hour")
	if isinstance(per_hour, list):
		per_hour = (
			{row.get("hour"): row for row in per_hour}
			if per_hour and isinstance(per_hour[0], dict)
			else dict(enumerate(per_hour))
		)
	for key, value in (per_hour if isinstance(per_hour, dict) else {}).items():
		value = frappe._dict(value if isinstance(value, dict) else {"operators": value})
		hour = hour_of(key)
		rows.append(
			{
				"hour": hour,
				"operators": operators_count(value.operators, hour),
				"arrivals": value.arrivals or 0,
				"handle_seconds": value.handle_seconds or 0,
				"service_level": 100 * (value.service_level or 0),
			}
		)
	if not rows:
		fail("invalid", "The plan needs the operators of at least one hour.")
	doc = frappe.get_doc(
		{
			"doctype": "IQC Staffing Plan",
			"plan_date": date_argument(date),
			"lines": "\n".join(chosen),
			"slots": checked_slots(slots if slots not in (None, "") else settings.number("default_slots")),
			"weeks": whole(weeks) or 0,
			"target_minutes": minutes_of(target_minutes),
			"hours": rows,
		}
	).insert()
	return plan_dict(doc, actual=False)


def minutes_of(value) -> float:
	"""The plan's target waiting time in minutes: a number from 0 to a day."""
	try:
		minutes = float(value or 0)
	except (TypeError, ValueError):
		minutes = -1
	if not 0 <= minutes <= 24 * 60:
		fail("invalid", "{0} must be a number.", "target_minutes")
	return minutes


@frappe.whitelist()
@http_errors
def plans(lines: str | list | None = None) -> list[dict]:
	"""The latest saved plans of these lines, each with the real figures of its day once that day is past."""
	require_supervisor()
	filters = {"lines": "\n".join(existing_lines(lines))} if lines else {}
	names = frappe.get_list(
		"IQC Staffing Plan",
		filters=filters,
		pluck="name",
		order_by="plan_date desc, creation desc",
		limit=PLANS_LISTED,
	)
	plans = [frappe.get_doc("IQC Staffing Plan", name) for name in names]
	# A supervisor limited to segments sees the plans of their segments' lines only.
	return [plan_dict(plan) for plan in plans if all(may_see_line(line) for line in plan.lines.split("\n"))]


def plan_dict(doc, actual: bool = True) -> dict:
	lines = doc.lines.split("\n")
	found = {
		"name": doc.name,
		"plan_date": doc.plan_date,
		"lines": lines,
		"slots": doc.slots,
		"operator_hours": doc.operator_hours,
		"expected_arrivals": doc.expected_arrivals,
		"hours": [
			{
				"hour": row.hour,
				"operators": row.operators,
				"arrivals": row.arrivals,
				"service_level": (row.service_level or 0) / 100,
			}
			for row in doc.hours
		],
		"actual": None,
	}
	if actual and getdate(doc.plan_date) < getdate(today()):
		found["actual"] = actual_day(lines, doc.plan_date)
	return found


def actual_day(lines: list[str], day_) -> dict | None:
	"""The real figures of a planned day, and how many operators were Active in each hour."""
	try:
		real = read_model.RealDay(lines, Period(day_))
	except frappe.ValidationError:
		# No conversation that day (or the lines are gone): nothing to compare with.
		frappe.clear_messages()
		return None
	figures = read_model.as_dict(real.figures())
	for row, active in zip(figures["hours"], real.active_by_hour().values(), strict=True):
		row["active"] = round(active, 2)
	return figures


@frappe.whitelist()
@http_errors
def export(
	kind: str,
	lines: str | list,
	date: str | None = None,
	to_date: str | None = None,
	staffing: str | dict | None = None,
	weeks: int | str = 4,
) -> None:
	"""A table of the page as a CSV file: kind "day" (real and replayed by hour, with `staffing` when given),
	"forecast" or "plans"."""
	require_supervisor()
	chosen = existing_lines(lines)
	if kind == "day":
		rows, name = day_table(chosen, Period(date, to_date), staffing), f"staffing-{date}"
	elif kind == "forecast":
		rows, name = (
			forecast_table(forecast_week(chosen, date_argument(date or today()), weeks)),
			f"forecast-{date}",
		)
	elif kind == "plans":
		rows, name = plans_table(plans(chosen)), "staffing-plans"
	else:
		fail("invalid", "There is no export {0}: choose day, forecast or plans.", kind)
	build_csv_response(rows, name)


FIGURES = (
	"offered",
	"answered",
	"abandoned",
	"wait_avg",
	"wait_p90",
	"wait_max",
	"within_target",
	"occupancy",
	"queue_avg",
)


def figure_headers() -> list[str]:
	return [
		_("Offered"),
		_("Answered"),
		_("Abandoned"),
		_("Average wait, s"),
		_("90th percentile wait, s"),
		_("Longest wait, s"),
		_("Within target"),
		_("Occupancy"),
		_("Average queue"),
	]


def day_table(lines: list[str], period: Period, staffing) -> list[list]:
	real_day = read_model.RealDay(lines, period)
	real = real_day.figures()
	if staffing:
		plan = staffing_from(staffing, period, lines, real_day.typical_slots())
	else:
		plan = real_day.staffing()
	replayed = real_day.replay(plan)
	active = real_day.active_by_hour()
	real_side, replay_side = _("Real day"), _("Replay")
	header = [_("Hour"), _("Active operators")]
	header += [f"{real_side}: {h}" for h in figure_headers()]
	header += [f"{replay_side}: {h}" for h in figure_headers()]
	rows = [header]
	for mine, theirs in zip(real.hours, replayed.hours, strict=True):
		rows.append(
			[str(mine.start), round(active.get(mine.start, 0), 2)]
			+ [round(getattr(mine, f), 3) for f in FIGURES]
			+ [round(getattr(theirs, f), 3) for f in FIGURES]
		)
	rows.append(
		[_("Total"), ""]
		+ [round(getattr(real.total, f), 3) for f in FIGURES]
		+ [round(getattr(replayed.total, f), 3) for f in FIGURES]
	)
	return rows


def forecast_table(week: dict) -> list[list]:
	rows = [
		[
			_("Date"),
			_("Hour"),
			_("Expected conversations"),
			_("Handling, s"),
			_("Operators needed"),
			_("Within target"),
		]
	]
	for day_ in week["days"]:
		for hour in day_["hours"]:
			rows.append(
				[
					str(day_["date"]),
					hour["hour"],
					round(hour["arrivals"], 2),
					round(hour["handle_seconds"]),
					hour["operators"],
					round(hour["service_level"], 3),
				]
			)
	return rows


def plans_table(saved: list[dict]) -> list[list]:
	rows = [
		[
			_("Date"),
			_("Hour"),
			_("Planned operators"),
			_("Expected conversations"),
			_("Active operators"),
			_("Offered"),
			_("Within target"),
		]
	]
	for plan in saved:
		actual = {row["hour"]: row for row in (plan["actual"] or {}).get("hours", [])}
		for hour in plan["hours"]:
			real = actual.get(hour["hour"]) or {}
			rows.append(
				[
					str(plan["plan_date"]),
					hour["hour"],
					hour["operators"],
					round(hour["arrivals"] or 0, 2),
					real.get("active", ""),
					real.get("offered", ""),
					round(real["within_target"], 3) if real else "",
				]
			)
	return rows
