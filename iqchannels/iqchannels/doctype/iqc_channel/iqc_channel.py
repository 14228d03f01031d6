# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

from frappe.model.document import Document

from iqchannels.records.signing import new_secret


class IQCChannel(Document):
	def before_insert(self):
		if not self.secret:
			self.secret = new_secret()
