# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document


class IQCClientIdentity(Document):
	pass


def on_doctype_update():
	# One identity in a channel belongs to one client, even when two first messages race.
	frappe.db.add_unique(
		"IQC Client Identity", ["channel", "external_id"], constraint_name="channel_external_id"
	)
	# The Clients view's search by an identity's id from its start, in any channel.
	frappe.db.add_index("IQC Client Identity", ["external_id"], "external_id")
