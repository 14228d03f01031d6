# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document


class IQCOperatorStatusLog(Document):
	pass


def on_doctype_update():
	frappe.db.add_index("IQC Operator Status Log", ["operator", "changed_at"], "operator_changed_at")
