"""Builders of test data on a real site: users with roles, operators, lines, channels, clients writing."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import set_request

from iqchannels.flows.receiving import receive_client_message
from iqchannels.records.clients import client_for_identity
from iqchannels.records.roles import OPERATOR, SUPERVISOR
from iqchannels.records.signing import sign
from iqchannels.tests import mail_servers


def unique(prefix: str) -> str:
	return f"{prefix}-{frappe.generate_hash(length=8)}"


def make_user(role: str | None = OPERATOR, first_name: str = "Test") -> str:
	email = f"{unique(first_name.lower())}@iqc.test"
	# Created the way Data Import creates users: Frappe's hourly throttle on sign-ups does not apply.
	frappe.flags.in_import = True
	try:
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": first_name,
				"send_welcome_email": 0,
				"enabled": 1,
				"roles": [{"role": role}] if role else [],
			}
		).insert(ignore_permissions=True)
	finally:
		frappe.flags.in_import = False
	return email


def make_operator(status: str = "Offline", slots: int = 3, first_name: str = "Operator") -> str:
	user = make_user(OPERATOR, first_name)
	frappe.get_doc({"doctype": "IQC Operator", "user": user, "slots": slots, "status": status}).insert(
		ignore_permissions=True
	)
	return user


def make_supervisor() -> str:
	return make_user(SUPERVISOR, "Supervisor")


def make_line(members=(), mode: str = "Automatic", priority: int = 0) -> str:
	line = frappe.get_doc(
		{
			"doctype": "IQC Line",
			"line_name": unique("Line"),
			"mode": mode,
			"priority": priority,
			"members": [{"operator": user} for user in members],
		}
	).insert(ignore_permissions=True)
	return line.name


def make_channel(line: str, channel_type: str = "API", **texts):
	channel = frappe.get_doc(
		{
			"doctype": "IQC Channel",
			"channel_name": unique("Channel"),
			"channel_type": channel_type,
			"default_line": line,
			**texts,
		}
	).insert(ignore_permissions=True)
	return channel


def make_ticket_type(name: str = "Question", hours: float = 24) -> str:
	if not frappe.db.exists("IQC Ticket Type", name):
		frappe.get_doc(
			{"doctype": "IQC Ticket Type", "type_name": name, "resolution_hours": hours, "enabled": 1}
		).insert(ignore_permissions=True)
	else:
		frappe.db.set_value("IQC Ticket Type", name, {"resolution_hours": hours, "enabled": 1})
	return name


def client_writes(channel, external_id: str, text: str = "Hello", message_id: str | None = None):
	"""A client of `channel` known there as `external_id` writes a message; returns it."""
	client = client_for_identity(channel, external_id, {"full_name": f"Client {external_id}"})
	message, _ = receive_client_message(channel, client, text, external_id=message_id)
	return message


def signed_inbound(
	channel,
	payload: dict | bytes,
	secret: str | None = None,
	signature: str | None = None,
	method: str = "message",
):
	"""Call the inbound API in this process, as a request with a raw body and a signature header."""
	from iqchannels.api import inbound

	body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
	secret = secret if secret is not None else channel.get_password("secret")
	headers = {"X-IQChannels-Signature": signature if signature is not None else sign(secret, body)}
	set_request(
		method="POST",
		path=f"/api/method/iqchannels.api.inbound.{method}",
		data=body,
		headers=headers,
		content_type="application/json",
	)
	frappe.local.request_ip = "127.0.0.1"
	frappe.local.response = frappe._dict()
	return getattr(inbound, method)()


class IQCTestCase(FrappeTestCase):
	"""Each test starts from the class's state and leaves nothing behind."""

	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def assertRefused(self, status: int, fn, *args, **kwargs) -> Exception:
		"""`fn` must fail with an error that answers HTTP `status` and says something to a person."""
		with self.assertRaises(Exception) as caught:
			fn(*args, **kwargs)
		error = caught.exception
		self.assertEqual(getattr(error, "http_status_code", None), status, f"{type(error).__name__}: {error}")
		self.assertTrue(str(error).strip(), "the error carries a message")
		frappe.clear_messages()
		return error

	def count(self, doctype: str, **filters) -> int:
		return frappe.db.count(doctype, filters)


def make_email_account(address: str, smtp_port: int | None = None, imap_port: int | None = None):
	"""An Email Account on the test mail servers, set up as a user sets one up in the desk."""
	return frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": unique("Mailbox"),
			"email_id": address,
			"password": mail_servers.PASSWORD,
			"enable_incoming": 1,
			"use_imap": 1,
			"email_server": mail_servers.IMAP_HOST,
			"incoming_port": imap_port or mail_servers.IMAP_PORT,
			"imap_folder": [{"folder_name": "INBOX"}],
			"email_sync_option": "UNSEEN",
			"enable_outgoing": 1,
			"smtp_server": mail_servers.IMAP_HOST,
			"smtp_port": smtp_port or mail_servers.SMTP_PORT,
			"create_contact": 0,
		}
	).insert(ignore_permissions=True)


def make_company(**values) -> str:
	values.setdefault("company_name", unique("Company"))
	return frappe.get_doc({"doctype": "IQC Company", **values}).insert(ignore_permissions=True).name


# Calls ---------------------------------------------------------------------------------------------

MANGO_KEY = "test-vpbx-api-key-0123456789abcdef"
MANGO_SALT = "test-vpbx-api-salt-0123456789abcde"


def make_phone_channel(line: str, pbx_type: str = "Mango Office", **fields):
	"""A telephony channel; Mango Office's with the test key and salt unless given."""
	if pbx_type == "Mango Office":
		fields.setdefault("pbx_api_key", unique(MANGO_KEY))
		fields.setdefault("secret", MANGO_SALT)
	return make_channel(
		line, "Phone", pbx_type=pbx_type, phone_region=fields.pop("phone_region", "RU"), **fields
	)


def set_extension(user: str, extension: str) -> str:
	frappe.db.set_value("IQC Operator", user, "phone_extension", extension)
	return extension


def mango_event(
	channel,
	kind: str,
	payload: dict,
	key: str | None = None,
	salt: str | None = None,
	sign: str | None = None,
):
	"""Mango Office's POST of an event (`events/call`, ...) to the telephony endpoint, in this process."""
	from iqchannels.api import telephony
	from iqchannels.channels.phone import mango_sign

	json_text = json.dumps(payload, ensure_ascii=False)
	key = key if key is not None else channel.pbx_api_key
	salt = salt if salt is not None else channel.get_password("secret")
	form = {
		"vpbx_api_key": key,
		"json": json_text,
		"sign": sign if sign is not None else mango_sign(key, json_text, salt),
	}
	path = f"/api/method/{telephony.MANGO_PATH}/{kind}"
	set_request(method="POST", path=path)
	frappe.local.request_ip = "127.0.0.1"
	frappe.local.form_dict = frappe._dict(form, cmd=telephony.MANGO_PATH)
	frappe.local.response = frappe._dict()
	return telephony.mango()


def generic_event(channel, payload: dict | bytes, secret: str | None = None, signature: str | None = None):
	"""A PBX's POST of one event to the generic telephony API, in this process."""
	from iqchannels.api import telephony

	body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
	secret = secret if secret is not None else channel.get_password("secret")
	set_request(
		method="POST",
		path="/api/method/iqchannels.api.telephony.event",
		data=body,
		headers={"X-IQChannels-Signature": signature if signature is not None else sign(secret, body)},
		content_type="application/json",
	)
	frappe.local.request_ip = "127.0.0.1"
	frappe.local.form_dict = frappe._dict(cmd="iqchannels.api.telephony.event")
	frappe.local.response = frappe._dict()
	return telephony.event()


def remove_committed_floor(channels: list[str], line: str) -> None:
	"""What a test class committed for its requests (they run on their own connection): the channels'
	conversations, messages and clients, the channels and the line."""
	for doctype in ("IQC Message", "IQC Conversation"):
		frappe.db.delete(doctype, {"channel": ["in", channels]})
	for client in frappe.get_all(
		"IQC Client Identity", filters={"channel": ["in", channels]}, pluck="parent"
	):
		frappe.delete_doc("IQC Client", client, force=True, ignore_permissions=True)
	for channel in channels:
		frappe.delete_doc("IQC Channel", channel, force=True, ignore_permissions=True)
	frappe.delete_doc("IQC Line", line, force=True, ignore_permissions=True)
	frappe.db.commit()


def assignments_and_requeues(conversations: list[str]) -> tuple[dict, dict]:
	"""Per conversation: its rows in the assignment log, and its "Returned to the queue" remarks. A
	conversation never assigned twice has one assignment per requeue, plus one while it is held."""
	assignments = frappe.db.sql(
		"""select conversation, count(*) from `tabIQC Assignment Log` where conversation in %s
		group by conversation""",
		[conversations],
	)
	requeues = frappe.db.sql(
		"""select conversation, count(*) from `tabIQC Message` where conversation in %s
		and author_type='System' and text like 'Returned to the queue%%' group by conversation""",
		[conversations],
	)
	return {str(k): v for k, v in assignments}, {str(k): v for k, v in requeues}
