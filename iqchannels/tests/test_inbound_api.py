"""The signed inbound API: what a partner system sends and what it gets back."""

import json

import frappe
from frappe.utils import get_test_client

from iqchannels.records.signing import sign
from iqchannels.tests.factories import (
	IQCTestCase,
	make_channel,
	make_line,
	remove_committed_floor,
	signed_inbound,
	unique,
)

ENDPOINT = "/api/method/iqchannels.api.inbound.message"


def payload(channel, client_id="crm-1", text="Hello", message_id=None, **extra):
	body = {"channel": channel.name, "client": {"id": client_id, "full_name": "Ivan Petrov"}, "text": text}
	if message_id:
		body["message_id"] = message_id
	body.update(extra)
	return body


class TestInboundInProcess(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.line = make_line()
		self.channel = make_channel(self.line)
		frappe.set_user("Guest")

	def written(self) -> tuple[int, int, int]:
		return self.count("IQC Message"), self.count("IQC Conversation"), self.count("IQC Client")

	def test_a_signed_message_opens_a_conversation_and_a_retry_writes_nothing(self):
		answer = signed_inbound(self.channel, payload(self.channel, message_id="msg-1"))
		self.assertTrue(answer["created"])
		self.assertEqual(answer["conversation_status"], "Queued")
		self.assertEqual(frappe.local.response.http_status_code, 201)
		before = self.written()
		retry = signed_inbound(self.channel, payload(self.channel, message_id="msg-1"))
		self.assertEqual((retry["message"], retry["created"]), (answer["message"], False))
		self.assertEqual(self.written(), before)
		client = frappe.get_doc("IQC Client", answer["client"])
		self.assertEqual((client.full_name, client.client_type), ("Ivan Petrov", "Identified"))
		self.assertEqual(
			[(i.channel, i.external_id) for i in client.identities], [(self.channel.name, "crm-1")]
		)

	def test_bad_input_is_refused_and_nothing_is_written(self):
		before = self.written()
		cases = [
			(401, dict(payload=payload(self.channel), signature="")),
			(401, dict(payload=payload(self.channel), signature="sha256=" + "0" * 64)),
			(401, dict(payload=payload(self.channel), secret="not-the-secret")),
			(404, dict(payload={**payload(self.channel), "channel": "No Such Channel"})),
			(400, dict(payload={**payload(self.channel), "channel": None})),
			(400, dict(payload=payload(self.channel, text=""))),
			(400, dict(payload=payload(self.channel, text="   "))),
			(400, dict(payload=payload(self.channel, text="x" * 4097))),
			(400, dict(payload={"channel": self.channel.name, "text": "no client"})),
			(400, dict(payload=payload(self.channel, client_id=""))),
			(400, dict(payload=payload(self.channel, client_id="x" * 141))),
			(400, dict(payload=b"{not json")),
			(400, dict(payload=b"[1, 2]")),
		]
		for status, kwargs in cases:
			with self.subTest(status=status, kwargs=str(kwargs)[:80]):
				self.assertRefused(status, signed_inbound, self.channel, **kwargs)
		self.assertEqual(self.written(), before)

	def test_a_channel_of_another_type_or_disabled_is_refused(self):
		widget = make_channel(self.line, channel_type="Web widget")
		self.assertRefused(400, signed_inbound, widget, payload(widget))
		frappe.db.set_value("IQC Channel", self.channel.name, "enabled", 0)
		self.assertRefused(403, signed_inbound, self.channel, payload(self.channel))

	def test_joining_an_existing_profile_and_an_identity_bound_elsewhere(self):
		first = signed_inbound(self.channel, payload(self.channel, client_id="crm-A"))["client"]
		second = signed_inbound(self.channel, payload(self.channel, client_id="crm-B"))["client"]
		# a second identity joins the first profile
		joined = signed_inbound(self.channel, payload(self.channel, client_id="crm-A2", client_profile=first))
		self.assertEqual(joined["client"], first)
		# but an identity already bound to someone else is not moved
		before = self.written()
		error = self.assertRefused(
			409, signed_inbound, self.channel, payload(self.channel, client_id="crm-B", client_profile=first)
		)
		self.assertIn(str(second), str(error))
		self.assertEqual(self.written(), before)
		self.assertRefused(
			404,
			signed_inbound,
			self.channel,
			payload(self.channel, client_id="crm-C", client_profile="987654321"),
		)


class TestInboundOverHTTP(IQCTestCase):
	"""The same endpoint through Frappe's WSGI application, as a partner's HTTP client sees it."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.line = make_line()
		cls.channel = make_channel(cls.line)
		cls.secret = cls.channel.get_password("secret")
		frappe.db.commit()  # the request runs on its own connection and must see the channel

	@classmethod
	def tearDownClass(cls):
		remove_committed_floor([cls.channel.name], cls.line)
		super().tearDownClass()

	def post(self, body: bytes, signature: str | None):
		from frappe.tests.test_api import make_request

		headers = {"Content-Type": "application/json"}
		if signature is not None:
			headers["X-IQChannels-Signature"] = signature
		return make_request(
			target=get_test_client().post, args=(ENDPOINT,), kwargs={"data": body, "headers": headers}
		)

	def test_signed_request_then_retry_then_forgery(self):
		body = json.dumps(payload(self.channel, client_id=unique("crm"), message_id=unique("m"))).encode()
		created = self.post(body, sign(self.secret, body))
		self.assertEqual(created.status_code, 201, created.text)
		answer = created.json["message"]
		self.assertTrue(answer["created"])

		retried = self.post(body, sign(self.secret, body))
		self.assertEqual(retried.status_code, 200, retried.text)
		self.assertEqual(retried.json["message"]["message"], answer["message"])

		forged = self.post(body.replace(b"Hello", b"Hallo"), sign(self.secret, body))
		self.assertEqual(forged.status_code, 401)
		self.assertIn("signature", forged.text)
		unsigned = self.post(body, None)
		self.assertEqual(unsigned.status_code, 401)
		self.assertEqual(
			frappe.db.count("IQC Message", {"channel": self.channel.name, "author_type": "Client"}), 1
		)

	def test_errors_carry_a_human_message(self):
		body = json.dumps(payload(self.channel, text="")).encode()
		response = self.post(body, sign(self.secret, body))
		self.assertEqual(response.status_code, 400)
		messages = [json.loads(m)["message"] for m in json.loads(response.json["_server_messages"])]
		self.assertIn("The message text is empty.", messages)
