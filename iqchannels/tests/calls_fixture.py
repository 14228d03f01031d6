"""Data for the browser test of calls (e2e/tests/calls.spec.js), on top of browser_fixture.prepare's: a
Mango Office channel of the fixture's line whose PBX is the local stand-in (tests/mango_standin.py, with
its default key and salt), an extension for the operator, and a known caller who wrote to the operator
before (a closed conversation of theirs), so that the operator reaches them.

	bench --site SITE execute iqchannels.tests.calls_fixture.prepare \
		--kwargs "{'line': 'LINE', 'operator': 'ann@...', 'mango_api': 'http://127.0.0.1:8796'}"

prints them as JSON. Channels of earlier runs give up the stand-in's key, which names a channel.
"""

import frappe

from iqchannels.records.clients import client_for_identity
from iqchannels.tests.factories import make_channel, set_extension, unique
from iqchannels.tests.mango_standin import DEFAULT_KEY, DEFAULT_SALT


def prepare(line: str, operator: str, mango_api: str) -> dict:
	frappe.set_user("Administrator")
	for name in frappe.get_all("IQC Channel", filters={"pbx_api_key": DEFAULT_KEY}, pluck="name"):
		frappe.db.set_value("IQC Channel", name, {"pbx_api_key": unique("retired"), "enabled": 0})
	phone = make_channel(
		line,
		"Phone",
		pbx_type="Mango Office",
		pbx_api_key=DEFAULT_KEY,
		secret=DEFAULT_SALT,
		api_base_url=f"{mango_api.rstrip('/')}/vpbx",
		phone_region="RU",
	)
	extension = set_extension(operator, "5" + str(int(frappe.generate_hash(length=8), 16) % 10**6).zfill(6))
	number = "7915" + str(int(frappe.generate_hash(length=7), 16) % 10**7).zfill(7)
	chat = frappe.get_all("IQC Channel", filters={"default_line": line, "channel_type": "API"}, pluck="name")[
		0
	]
	client = client_for_identity(
		frappe.get_doc("IQC Channel", chat), unique("caller"), {"full_name": "Pavel Caller"}
	)
	frappe.db.set_value(
		"IQC Client", client, {"phone": f"+{number}", "notes": "Prefers calls in the morning"}
	)
	frappe.get_doc(
		{
			"doctype": "IQC Conversation",
			"client": client,
			"client_name": "Pavel Caller",
			"channel": chat,
			"line": line,
			"status": "Closed",
			"operator": operator,
			"result": "Resolved",
			"opened_at": frappe.utils.add_days(frappe.utils.now_datetime(), -3),
			"closed_at": frappe.utils.add_days(frappe.utils.now_datetime(), -3),
			"last_message_preview": "Where is my parcel?",
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	return {
		"phone_channel": phone.name,
		"key": DEFAULT_KEY,
		"salt": DEFAULT_SALT,
		"extension": extension,
		"number": number,
		"client": int(client),
	}
