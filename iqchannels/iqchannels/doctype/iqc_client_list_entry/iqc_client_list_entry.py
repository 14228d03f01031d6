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
