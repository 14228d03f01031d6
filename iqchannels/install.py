"""Setting up a site (layer: endpoints: the app's setup hooks): roles, the close results the product relies on, and settings defaults."""

import frappe

from iqchannels.records.roles import ALL_ROLES

STANDARD_RESULTS = {
	"Resolved": "The client's question was answered.",
	"Not resolved": "The question could not be answered in this conversation.",
	"Spam": "Spam or abuse; set by Mark as spam.",
	"Client silent": "Closed automatically after the client stopped answering.",
}


def after_install():
	ensure_roles()
	ensure_results()
	ensure_settings()


def after_migrate():
	ensure_roles()
	ensure_results()


def ensure_roles():
	for role in ALL_ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def ensure_results():
	for name, description in STANDARD_RESULTS.items():
		if not frappe.db.exists("IQC Close Result", name):
			frappe.get_doc(
				{"doctype": "IQC Close Result", "result_name": name, "enabled": 1, "description": description}
			).insert(ignore_permissions=True)


def ensure_settings():
	settings = frappe.get_single("IQC Settings")
	if not settings.auto_close_result:
		settings.auto_close_result = "Client silent"
	settings.save(ignore_permissions=True)
