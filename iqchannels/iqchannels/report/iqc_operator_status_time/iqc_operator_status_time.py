"""Each operator's time in each status, and on calls, per day."""

from frappe import _

from iqchannels.views.call_reports import with_time_on_calls
from iqchannels.views.reporting import STATUSES, Scope, status_time


def execute(filters=None):
	rows = with_time_on_calls(status_time(Scope.of(filters)), filters)
	columns = [
		{"fieldname": "day", "label": _("Date"), "fieldtype": "Date", "width": 110},
		{
			"fieldname": "operator",
			"label": _("Operator"),
			"fieldtype": "Link",
			"options": "User",
			"width": 200,
		},
		{"fieldname": "operator_name", "label": _("Name"), "fieldtype": "Data", "width": 150},
	] + [
		{"fieldname": status.lower(), "label": _(status), "fieldtype": "Duration", "width": 130}
		for status in STATUSES
	]
	columns.append({"fieldname": "on_calls", "label": _("On calls"), "fieldtype": "Duration", "width": 130})
	chart = {
		"data": {
			"labels": [_(status) for status in STATUSES],
			"datasets": [
				{
					"name": _("Hours"),
					"values": [
						round(sum(row[status.lower()] for row in rows) / 3600, 1) for status in STATUSES
					],
				}
			],
		},
		"type": "bar",
	}
	return columns, rows, None, chart
