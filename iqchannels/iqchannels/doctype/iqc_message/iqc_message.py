# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document


class IQCMessage(Document):
	pass


def on_doctype_update():
	# History pages of a client and of a conversation are read by id, newest first.
	frappe.db.add_index("IQC Message", ["client", "name"], "client_history")
	frappe.db.add_index("IQC Message", ["conversation", "name"], "conversation_history")
	# Webhook deliveries waiting for their next attempt are found by the minute's sweep.
	frappe.db.add_index("IQC Message", ["delivery_status", "next_attempt_at"], "pending_delivery")
	# A retried inbound message is recognised by its channel-side id and never stored twice.
	frappe.db.add_unique(
		"IQC Message", ["channel", "author_type", "external_id"], constraint_name="channel_author_external_id"
	)
