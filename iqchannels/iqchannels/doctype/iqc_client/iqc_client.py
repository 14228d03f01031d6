# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from iqchannels.records.exceptions import Conflict


class IQCClient(Document):
	def validate(self):
		self.validate_identities()

	def validate_identities(self):
		seen = set()
		for row in self.identities:
			row.external_id = (row.external_id or "").strip()
			key = (row.channel, row.external_id)
			if key in seen:
				frappe.throw(
					_("Identity {0} in channel {1} is listed twice.").format(row.external_id, row.channel),
					Conflict,
				)
			seen.add(key)
			owner = frappe.db.get_value(
				"IQC Client Identity",
				{
					"channel": row.channel,
					"external_id": row.external_id,
					"parenttype": "IQC Client",
					"parent": ["!=", str(self.name or "")],
				},
				"parent",
			)
			if owner:
				frappe.throw(
					_("Identity {0} in channel {1} already belongs to client {2}.").format(
						row.external_id, row.channel, owner
					),
					Conflict,
				)
