"""Per operator: conversations handled, response and handling times, rating and results; calls answered and
made, and the time talked."""

from frappe import _

from iqchannels.views.call_reports import with_calls
from iqchannels.views.reporting import Scope, operator_performance


def execute(filters=None):
	rows = with_calls(operator_performance(Scope.of(filters)), filters)
	columns = [
		{
			"fieldname": "operator",
			"label": _("Operator"),
			"fieldtype": "Link",
			"options": "User",
			"width": 200,
		},
		{"fieldname": "operator_name", "label": _("Name"), "fieldtype": "Data", "width": 150},
		{"fieldname": "conversations", "label": _("Conversations"), "fieldtype": "Int", "width": 120},
		{"fieldname": "handled", "label": _("Handled"), "fieldtype": "Int", "width": 90},
		{
			"fieldname": "first_response",
			"label": _("Average first response"),
			"fieldtype": "Duration",
			"width": 170,
		},
		{
			"fieldname": "first_response_p90",
			"label": _("First response, 90th percentile"),
			"fieldtype": "Duration",
			"width": 210,
		},
		{"fieldname": "handling", "label": _("Average handling"), "fieldtype": "Duration", "width": 140},
		{"fieldname": "csat", "label": _("Rating"), "fieldtype": "Float", "precision": 2, "width": 90},
		{"fieldname": "rated", "label": _("Rated"), "fieldtype": "Int", "width": 80},
		{"fieldname": "results", "label": _("Results"), "fieldtype": "Data", "width": 260},
		{"fieldname": "calls_answered", "label": _("Calls answered"), "fieldtype": "Int", "width": 120},
		{"fieldname": "calls_made", "label": _("Calls made"), "fieldtype": "Int", "width": 100},
		{"fieldname": "talk_time", "label": _("Talk time"), "fieldtype": "Duration", "width": 120},
	]
	chart = {
		"data": {
			"labels": [row.operator_name for row in rows],
			"datasets": [{"name": _("Handled"), "values": [row.handled for row in rows]}],
		},
		"type": "bar",
	}
	return columns, rows, None, chart
