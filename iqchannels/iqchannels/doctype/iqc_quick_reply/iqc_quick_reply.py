# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from iqchannels.records.roles import is_supervisor


class IQCQuickReply(Document):
	def validate(self):
		self.shortcut = (self.shortcut or "").strip().lstrip("/")
		if not self.shortcut or any(ch.isspace() for ch in self.shortcut):
			frappe.throw(_("The shortcut must be one word, typed after / in the composer."))
		if self.scope == "Personal":
			self.user = self.user or frappe.session.user
		else:
			self.user = None
			if not is_supervisor():
				frappe.throw(
					_("Only supervisors create global and line quick replies."), frappe.PermissionError
				)
		if self.scope != "Line":
			self.line = None
