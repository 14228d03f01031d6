"""Conversations per day: opened, closed, answered, left unanswered, and their times."""

from frappe import _

from iqchannels.views.reporting import Scope, conversations_by_day


def execute(filters=None):
	rows = conversations_by_day(Scope.of(filters))
	columns = [
		{"fieldname": "day", "label": _("Date"), "fieldtype": "Date", "width": 110},
		{"fieldname": "opened", "label": _("Opened"), "fieldtype": "Int", "width": 90},
		{"fieldname": "closed", "label": _("Closed"), "fieldtype": "Int", "width": 90},
		{"fieldname": "answered", "label": _("Answered"), "fieldtype": "Int", "width": 100},
		{"fieldname": "unanswered", "label": _("Closed without an answer"), "fieldtype": "Int", "width": 170},
		{"fieldname": "wait", "label": _("Average wait"), "fieldtype": "Duration", "width": 130},
		{
			"fieldname": "first_response",
			"label": _("Average first response"),
			"fieldtype": "Duration",
			"width": 170,
		},
		{"fieldname": "handling", "label": _("Average handling"), "fieldtype": "Duration", "width": 140},
		{"fieldname": "csat", "label": _("Rating"), "fieldtype": "Float", "precision": 2, "width": 90},
	]
	chart = {
		"data": {
			"labels": [str(row.day) for row in rows],
			"datasets": [
				{"name": _("Opened"), "values": [row.opened for row in rows]},
				{"name": _("Closed"), "values": [row.closed for row in rows]},
			],
		},
		"type": "line",
	}
	summary = [
		{"label": _("Opened"), "value": sum(row.opened for row in rows), "datatype": "Int"},
		{"label": _("Closed"), "value": sum(row.closed or 0 for row in rows), "datatype": "Int"},
		{
			"label": _("Closed without an answer"),
			"value": sum(row.unanswered or 0 for row in rows),
			"datatype": "Int",
			"indicator": "Red",
		},
	]
	return columns, rows, None, chart, summary
