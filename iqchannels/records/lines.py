"""Lines in the shell (layer: records): which line a new conversation joins, and whether a line works now."""

import frappe
from frappe.utils import get_time

from iqchannels.engine.hours import WorkingPeriod, is_working
from iqchannels.engine.rules import Facts, LineChoice, choose_line
from iqchannels.iqchannels.doctype.iqc_routing_rule.iqc_routing_rule import as_rule

RULE_FIELDS = [
	"name",
	"line",
	"channel",
	"client_type",
	"vip",
	"language",
	"words",
	"pattern",
	"dialled_numbers",
	"time_window",
	"time_from",
	"time_to",
]


def line_for(channel, client, text: str, moment, dialled: str | None = None) -> LineChoice:
	"""Route a new conversation (or a call, with the number it `dialled`) by the enabled rules in order,
	else to the channel's default line."""
	# Plain SQL: read for every new conversation, where the query builder costs more than the read.
	rules = [
		as_rule(row)
		for row in frappe.db.sql(
			f"""select {", ".join(f"`{field}`" for field in RULE_FIELDS)} from `tabIQC Routing Rule`
			where enabled=1 order by `order` asc, name asc""",
			as_dict=True,
		)
	]
	facts = Facts(
		channel=channel.name,
		client_type=client.client_type or "",
		vip=bool(client.vip),
		language=client.language,
		text=text or "",
		moment=moment,
		dialled=dialled,
	)
	return choose_line(rules, facts, channel.default_line, can_take_now=can_take_now)


def can_take_now(line: str) -> bool:
	"""A line that assigns only while someone is Active lets routing fall through when nobody is."""
	if not frappe.get_cached_value("IQC Line", line, "assign_only_if_active"):
		return True
	return bool(
		frappe.db.sql(
			"""select 1 from `tabIQC Line Member` member
			join `tabIQC Operator` operator on operator.name = member.operator
			where member.parent = %s and member.parenttype = 'IQC Line' and operator.status = 'Active'
			limit 1""",
			line,
		)
	)


def is_working_now(line: str, moment) -> bool:
	# The cached line carries its hours; saving the line clears the cache.
	periods = [
		WorkingPeriod(row.weekday, get_time(row.start_time), get_time(row.end_time))
		for row in frappe.get_cached_doc("IQC Line", line).working_hours
	]
	return is_working(periods, moment)
