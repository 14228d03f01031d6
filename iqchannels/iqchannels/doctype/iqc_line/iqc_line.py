# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_time

from iqchannels.records.line_levels import check_second_line


class IQCLine(Document):
	def validate(self):
		members = [row.operator for row in self.members]
		if len(members) != len(set(members)):
			frappe.throw(_("An operator is listed twice among the members."))
		for row in self.working_hours:
			# Compared as times: read back from the database they come as "9:00:00", which as text
			# sorts after "18:00:00".
			if row.start_time and row.end_time and get_time(row.start_time) >= get_time(row.end_time):
				frappe.throw(_("Row {0} of the working hours ends before it starts.").format(row.idx))
		check_second_line(self)

	def on_update(self):
		from iqchannels.records import wakeups

		# New members or a switch to automatic mode may let waiting conversations out.
		wakeups.request(self.name)
