"""Data for the tests that drive a running site from outside (the browser tests and the socket.io
test): operators with known passwords, a line, an API channel with a known secret.

	bench --site SITE execute iqchannels.tests.browser_fixture.prepare

prints them as JSON. Each call makes new ones, so runs never meet each other's data.
"""

import frappe
from frappe.utils.password import update_password

from iqchannels.operators import change_status
from iqchannels.roles import OPERATOR, SUPERVISOR
from iqchannels.tests.factories import make_channel, make_line, make_user, unique

PASSWORD = "iqc-Browser-7431"


def person(role: str, first_name: str) -> str:
	user = make_user(role, first_name)
	update_password(user, PASSWORD)
	if role == OPERATOR:
		frappe.get_doc({"doctype": "IQC Operator", "user": user, "slots": 5, "status": "Offline"}).insert(
			ignore_permissions=True
		)
	return user


def prepare() -> dict:
	frappe.set_user("Administrator")
	# A fresh test site has not been through the setup wizard, which the desk would open instead.
	frappe.db.set_single_value("System Settings", "setup_complete", 1)
	ann = person(OPERATOR, "Ann")
	bob = person(OPERATOR, "Bob")
	stranger = person(OPERATOR, "Stranger")
	supervisor = person(SUPERVISOR, "Sue")
	line = make_line([ann, bob])
	make_line([stranger])
	secret = frappe.generate_hash(length=32)
	channel = make_channel(line, "API", secret=secret)
	shortcut = unique("thanks")
	frappe.get_doc(
		{
			"doctype": "IQC Quick Reply",
			"title": "Thanks",
			"shortcut": shortcut,
			"scope": "Global",
			"text": "Thank you for waiting!",
		}
	).insert(ignore_permissions=True)
	frappe.set_user(ann)
	change_status(ann, "Active")
	frappe.set_user("Administrator")
	frappe.db.commit()
	return {
		"password": PASSWORD,
		"ann": ann,
		"bob": bob,
		"stranger": stranger,
		"supervisor": supervisor,
		"line": line,
		"channel": channel.name,
		"secret": secret,
		"quick_reply": shortcut,
	}
