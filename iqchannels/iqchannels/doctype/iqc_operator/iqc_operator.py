# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from iqchannels.records.roles import OPERATOR


class IQCOperator(Document):
	def onload(self):
		from iqchannels.records.operators import lines_of

		self.set_onload("lines", lines_of(self.name))

	def validate(self):
		if self.user and OPERATOR not in frappe.get_roles(self.user):
			frappe.throw(_("{0} needs the {1} role to be an operator.").format(self.user, OPERATOR))

	def on_update(self):
		from iqchannels.records import wakeups
		from iqchannels.records.operators import lines_of

		# More slots may let the operator's lines hand out waiting conversations.
		if self.has_value_changed("slots") and self.status == "Active":
			for line in lines_of(self.name):
				wakeups.request(line)
