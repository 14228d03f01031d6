# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document

from iqchannels.records.tickets import after_save, validate_form


class IQCTicket(Document):
	def validate(self):
		# The desk's form and Kanban board keep to the same rules as the workspace.
		validate_form(self)

	def on_update(self):
		after_save(self)


def on_doctype_update():
	# Lists of the Tickets view, the client's side panel and the sweeps each read one of these.
	frappe.db.add_index("IQC Ticket", ["assignee", "status", "modified"], "assignee_status")
	frappe.db.add_index("IQC Ticket", ["line", "status", "modified"], "line_status")
	frappe.db.add_index("IQC Ticket", ["client", "status"], "client_status")
	frappe.db.add_index("IQC Ticket", ["status", "due_by"], "status_due")
	frappe.db.add_index("IQC Ticket", ["status", "postponed_until"], "status_postponed")
	frappe.db.add_index("IQC Ticket", ["opened_at"], "opened_at")
	frappe.db.add_index("IQC Ticket", ["parent_ticket"], "parent_ticket")
	# The Clients view: whether a client belongs to a line through a ticket.
	frappe.db.add_index("IQC Ticket", ["line", "client"], "line_client")
