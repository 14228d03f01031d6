# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from iqchannels.records.segments import clear_cache


class IQCSupervisorSegment(Document):
	def validate(self):
		# One row per supervisor and segment: a second one would change nothing and confuse the list.
		if frappe.db.exists(
			"IQC Supervisor Segment", {"user": self.user, "segment": self.segment, "name": ["!=", self.name]}
		):
			frappe.throw(
				_("{0} is already limited to segment {1}.").format(self.user, self.segment),
				frappe.DuplicateEntryError,
			)

	def on_update(self):
		clear_cache()

	def on_trash(self):
		clear_cache()
