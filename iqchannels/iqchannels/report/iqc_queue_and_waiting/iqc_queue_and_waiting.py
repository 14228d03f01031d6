"""How long clients waited for an operator, and the conversations nobody answered."""

from frappe import _
from frappe.utils import flt

from iqchannels.views.reporting import Scope, waits


def execute(filters=None):
	found = waits(Scope.of(filters))
	assigned = sum(count for _label, count in found["buckets"])
	columns = [
		{"fieldname": "wait", "label": _("Waited for an operator"), "fieldtype": "Data", "width": 200},
		{"fieldname": "conversations", "label": _("Conversations"), "fieldtype": "Int", "width": 130},
		{"fieldname": "share", "label": _("Share"), "fieldtype": "Percent", "width": 100},
	]
	rows = [
		{"wait": _(label), "conversations": count, "share": flt(100 * count / assigned, 1) if assigned else 0}
		for label, count in found["buckets"]
	]
	chart = {
		"data": {
			"labels": [row["wait"] for row in rows],
			"datasets": [{"name": _("Conversations"), "values": [row["conversations"] for row in rows]}],
		},
		"type": "bar",
	}
	summary = [
		{"label": _("Conversations"), "value": found["conversations"], "datatype": "Int"},
		{"label": _("Waiting now"), "value": found["waiting_now"] or 0, "datatype": "Int"},
		{"label": _("Average wait"), "value": found["average_wait"] or 0, "datatype": "Duration"},
		{"label": _("Longest wait"), "value": found["longest_wait"] or 0, "datatype": "Duration"},
		{
			"label": _("Closed without an operator's answer"),
			"value": found["unanswered"] or 0,
			"datatype": "Int",
			"indicator": "Red",
		},
	]
	return columns, rows, None, chart, summary
