# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document


class IQCClientListEntry(Document):
	pass


def on_doctype_update():
	# One entry per operator and client, even when two clicks race; an operator's list is read by
	# operator, a client's followers by client.
	frappe.db.add_unique("IQC Client List Entry", ["operator", "client"], constraint_name="operator_client")
	frappe.db.add_index("IQC Client List Entry", ["client", "favourite"], "client_followers")
	# The Clients view's reads: a line's clients by their last message, whether a client belongs to a
	# line, and search by an identity's external id from its start.
	frappe.db.add_index("IQC Conversation", ["line", "last_message_at"], "line_last_message")
	frappe.db.add_index("IQC Conversation", ["line", "client"], "line_client")
	frappe.db.add_index("IQC Ticket", ["line", "client"], "line_client")
	frappe.db.add_index("IQC Client Identity", ["external_id"], "external_id")
	frappe.db.add_index("IQC Client", ["customer_id"], "customer_id")
