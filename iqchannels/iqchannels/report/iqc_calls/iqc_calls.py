"""Calls per day and line: inbound, outbound, answered, missed, the average wait and talk."""

from frappe import _

from iqchannels.views.call_reports import call_scope, calls_by_day


def execute(filters=None):
	rows = calls_by_day(call_scope(filters))
	columns = [
		{"fieldname": "day", "label": _("Date"), "fieldtype": "Date", "width": 110},
		{"fieldname": "line", "label": _("Line"), "fieldtype": "Link", "options": "IQC Line", "width": 160},
		{"fieldname": "inbound", "label": _("Inbound"), "fieldtype": "Int", "width": 90},
		{"fieldname": "outbound", "label": _("Outbound"), "fieldtype": "Int", "width": 90},
		{"fieldname": "answered", "label": _("Answered"), "fieldtype": "Int", "width": 100},
		{"fieldname": "missed", "label": _("Missed"), "fieldtype": "Int", "width": 90},
		{"fieldname": "wait", "label": _("Average wait"), "fieldtype": "Duration", "width": 130},
		{"fieldname": "talk", "label": _("Average talk"), "fieldtype": "Duration", "width": 130},
	]
	days = sorted({str(row.day) for row in rows})

	def per_day(field):
		totals = dict.fromkeys(days, 0)
		for row in rows:
			totals[str(row.day)] += row[field] or 0
		return list(totals.values())

	chart = {
		"data": {
			"labels": days,
			"datasets": [
				{"name": _("Inbound"), "values": per_day("inbound")},
				{"name": _("Outbound"), "values": per_day("outbound")},
				{"name": _("Missed"), "values": per_day("missed")},
			],
		},
		"type": "bar",
	}
	summary = [
		{"label": _("Inbound"), "value": sum(per_day("inbound")), "datatype": "Int"},
		{"label": _("Outbound"), "value": sum(per_day("outbound")), "datatype": "Int"},
		{"label": _("Missed"), "value": sum(per_day("missed")), "datatype": "Int", "indicator": "Red"},
	]
	return columns, rows, None, chart, summary
