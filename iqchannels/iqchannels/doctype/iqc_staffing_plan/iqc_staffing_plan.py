# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document

# More operators than this in one hour is a typing error, not a plan.
MAX_OPERATORS = 10_000


class IQCStaffingPlan(Document):
	def validate(self):
		if (self.slots or 0) < 1:
			frappe.throw(_("An operator has at least one slot."))
		hours = [row.hour for row in self.hours]
		if len(hours) != len(set(hours)):
			frappe.throw(_("An hour is listed twice in the plan."))
		for row in self.hours:
			if not 0 <= (row.hour or 0) <= 23:
				frappe.throw(_("Row {0}: the hour must be from 0 to 23.").format(row.idx))
			if not 0 <= (row.operators or 0) <= MAX_OPERATORS:
				frappe.throw(
					_("Row {0}: operators in an hour must be from 0 to {1}.").format(row.idx, MAX_OPERATORS)
				)
		self.hours.sort(key=lambda row: row.hour)
		for idx, row in enumerate(self.hours, start=1):
			row.idx = idx
		# Totals the list view shows: what the plan costs and what it expects.
		self.operator_hours = sum(row.operators or 0 for row in self.hours)
		self.expected_arrivals = round(sum(row.arrivals or 0 for row in self.hours), 1)
