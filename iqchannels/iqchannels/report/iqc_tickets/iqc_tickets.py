"""Tickets opened in a period by type, line or assignee: opened, resolved, still open, overdue, and their resolution times."""

from frappe import _

from iqchannels.views.ticket_reports import TicketScope, tickets_by_group


def execute(filters=None):
	group_by = (filters or {}).get("group_by") or "Type"
	result = tickets_by_group(TicketScope.of(filters), group_by)
	rows, total = result["groups"], result["total"]
	group_label = {"Type": _("Type"), "Line": _("Line"), "Assignee": _("Assignee")}[group_by]
	columns = [
		{"fieldname": "label", "label": group_label, "fieldtype": "Data", "width": 200},
		{"fieldname": "opened", "label": _("Opened"), "fieldtype": "Int", "width": 90},
		{"fieldname": "resolved", "label": _("Resolved"), "fieldtype": "Int", "width": 90},
		{"fieldname": "still_open", "label": _("Still open"), "fieldtype": "Int", "width": 100},
		{"fieldname": "overdue", "label": _("Overdue"), "fieldtype": "Int", "width": 90},
		{
			"fieldname": "average_hours",
			"label": _("Average resolution, hours"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 180,
		},
		{
			"fieldname": "p90_hours",
			"label": _("90th percentile, hours"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 170,
		},
	]
	chart = {
		"data": {
			"labels": [row.label for row in rows],
			"datasets": [
				{"name": _("Opened"), "values": [row.opened for row in rows]},
				{"name": _("Resolved"), "values": [row.resolved for row in rows]},
			],
		},
		"type": "bar",
	}
	summary = [
		{"label": _("Opened"), "value": total.opened, "datatype": "Int"},
		{"label": _("Resolved"), "value": total.resolved, "datatype": "Int", "indicator": "Green"},
		{"label": _("Still open"), "value": total.still_open, "datatype": "Int"},
		{"label": _("Overdue"), "value": total.overdue, "datatype": "Int", "indicator": "Red"},
		{"label": _("Average resolution, hours"), "value": total.average_hours, "datatype": "Float"},
		{"label": _("90th percentile, hours"), "value": total.p90_hours, "datatype": "Float"},
	]
	data = [*rows, total] if rows else []
	return columns, data, None, chart, summary
