"""Callback requests per day and line: made, reached and their share, the time to call back, attempts."""

from frappe import _

from iqchannels.views.call_reports import callback_requests


def execute(filters=None):
	rows = callback_requests(filters)
	columns = [
		{"fieldname": "day", "label": _("Date"), "fieldtype": "Date", "width": 110},
		{"fieldname": "line", "label": _("Line"), "fieldtype": "Link", "options": "IQC Line", "width": 160},
		{"fieldname": "requests", "label": _("Requests"), "fieldtype": "Int", "width": 90},
		{"fieldname": "still_open", "label": _("Still open"), "fieldtype": "Int", "width": 90},
		{"fieldname": "reached", "label": _("Reached"), "fieldtype": "Int", "width": 90},
		{"fieldname": "share_reached", "label": _("Reached, %"), "fieldtype": "Percent", "width": 100},
		{
			"fieldname": "to_first_call",
			"label": _("Average time to call back"),
			"fieldtype": "Duration",
			"width": 180,
		},
		{
			"fieldname": "to_reached",
			"label": _("Average time to reach"),
			"fieldtype": "Duration",
			"width": 170,
		},
		{"fieldname": "attempts", "label": _("Attempts"), "fieldtype": "Int", "width": 90},
	]
	requests = sum(row.requests for row in rows)
	reached = sum(row.reached for row in rows)
	closed = sum(row.closed for row in rows)
	summary = [
		{"label": _("Requests"), "value": requests, "datatype": "Int"},
		{"label": _("Reached"), "value": reached, "datatype": "Int", "indicator": "Green"},
		{
			"label": _("Reached, %"),
			"value": round(100 * reached / closed, 1) if closed else 0,
			"datatype": "Percent",
		},
	]
	return columns, rows, None, None, summary
