# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document

from iqchannels.records.signing import new_secret


class IQCChannel(Document):
	def before_insert(self):
		if not self.secret:
			self.secret = new_secret()

	def validate(self):
		# The poller writes the offset while the form may be open: a desk save keeps the stored one.
		if not self.is_new():
			self.telegram_offset = frappe.db.get_value("IQC Channel", self.name, "telegram_offset")
