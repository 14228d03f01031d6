# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document


class IQCCall(Document):
	pass


def on_doctype_update():
	# One call per PBX id and channel: repeated or late events find the call they belong to.
	frappe.db.add_unique("IQC Call", ["channel", "pbx_call_id"], constraint_name="channel_pbx_call")
	frappe.db.add_index("IQC Call", ["client", "started_at"])
