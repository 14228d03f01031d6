# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class IQCLine(Document):
	def validate(self):
		members = [row.operator for row in self.members]
		if len(members) != len(set(members)):
			frappe.throw(_("An operator is listed twice among the members."))
		for row in self.working_hours:
			if row.start_time and row.end_time and str(row.start_time) >= str(row.end_time):
				frappe.throw(_("Row {0} of the working hours ends before it starts.").format(row.idx))

	def on_update(self):
		from iqchannels import distribution

		# New members or a switch to automatic mode may let waiting conversations out.
		distribution.request(self.name)
