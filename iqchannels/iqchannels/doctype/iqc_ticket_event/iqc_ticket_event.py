# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document


class IQCTicketEvent(Document):
	pass


def on_doctype_update():
	frappe.db.add_index("IQC Ticket Event", ["client", "at"], "client_history")
	frappe.db.add_index("IQC Ticket Event", ["ticket", "name"], "ticket_history")
