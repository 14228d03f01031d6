"""Each line's first-response target and the share of conversations that met it."""

from frappe import _

from iqchannels.views.reporting import Scope, sla_by_line


def execute(filters=None):
	rows = sla_by_line(Scope.of(filters))
	columns = [
		{"fieldname": "line", "label": _("Line"), "fieldtype": "Link", "options": "IQC Line", "width": 180},
		{"fieldname": "target", "label": _("First response within"), "fieldtype": "Duration", "width": 170},
		{"fieldname": "conversations", "label": _("Conversations"), "fieldtype": "Int", "width": 120},
		{"fieldname": "met", "label": _("Met"), "fieldtype": "Int", "width": 80},
		{"fieldname": "breached", "label": _("Breached"), "fieldtype": "Int", "width": 100},
		{"fieldname": "share_met", "label": _("Share met"), "fieldtype": "Percent", "width": 110},
	]
	chart = {
		"data": {
			"labels": [row["line"] for row in rows],
			"datasets": [{"name": _("Share met"), "values": [row["share_met"] or 0 for row in rows]}],
		},
		"type": "bar",
	}
	return columns, rows, None, chart
