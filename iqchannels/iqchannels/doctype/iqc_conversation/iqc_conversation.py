# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document


class IQCConversation(Document):
	pass


def on_doctype_update():
	# The queries these serve: the operator's inbox, a line's queue, a client's open conversation on a
	# channel, the client's history, and the reports' periods.
	frappe.db.add_index("IQC Conversation", ["operator", "status", "last_message_at"], "operator_inbox")
	frappe.db.add_index("IQC Conversation", ["line", "status", "priority", "queued_at"], "line_queue")
	frappe.db.add_index("IQC Conversation", ["client", "channel", "status"], "client_open")
	frappe.db.add_index("IQC Conversation", ["status", "last_operator_message_at"], "silence_sweep")
	frappe.db.add_index("IQC Conversation", ["opened_at"], "opened_at")
	frappe.db.add_index("IQC Conversation", ["closed_at"], "closed_at")
	# The Clients view: a line's clients by their last message, and whether a client belongs to a line.
	frappe.db.add_index("IQC Conversation", ["line", "last_message_at"], "line_last_message")
	frappe.db.add_index("IQC Conversation", ["line", "client"], "line_client")
