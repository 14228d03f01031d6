"""Replies to a partner's API channel reach its webhook, signed, retried when the partner is down, and
their delivered and read states come back through the partner's signed callback. The partner is a real
HTTP server on this machine, started by the test."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import frappe
from frappe.utils import now_datetime

from iqchannels.api import operator as api
from iqchannels.channels import registry, webhooks
from iqchannels.flows import distribution
from iqchannels.records.signing import is_valid
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	signed_inbound,
	unique,
)


class Partner:
	"""A partner system's webhook: records what it receives and answers with `status`."""

	def __init__(self):
		self.received: list[tuple[bytes, str]] = []
		self.status = 200
		partner = self

		class Handler(BaseHTTPRequestHandler):
			def do_POST(self):
				body = self.rfile.read(int(self.headers["Content-Length"]))
				partner.received.append((body, self.headers.get(webhooks.SIGNATURE_HEADER)))
				self.send_response(partner.status)
				self.end_headers()
				self.wfile.write(b"{}")

			def log_message(self, *args):
				pass

		self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
		threading.Thread(target=self.server.serve_forever, daemon=True).start()
		self.url = f"http://127.0.0.1:{self.server.server_port}/iqchannels"

	def stop(self):
		if self.server.socket.fileno() != -1:
			self.server.shutdown()
			self.server.server_close()


class TestWebhooks(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.partner = Partner()
		self.addCleanup(self.partner.stop)
		self.ann = make_operator("Active", first_name="Ann")
		self.line = make_line([self.ann])
		self.channel = make_channel(self.line, webhook_url=self.partner.url)
		self.client_id = unique("crm")
		message = client_writes(self.channel, self.client_id, "Is my order shipped?")
		distribution.distribute_line(self.line)
		self.conversation = message.conversation
		frappe.set_user(self.ann)

	def reply(self, text="Yes, it left today") -> int:
		return api.reply(self.conversation, text)["name"]

	def state(self, message: int) -> frappe._dict:
		return frappe.db.get_value(
			"IQC Message",
			message,
			[
				"delivery_status",
				"delivery_attempts",
				"delivery_error",
				"next_attempt_at",
				"delivered_at",
				"read_at",
			],
			as_dict=True,
		)

	def test_a_reply_is_posted_signed_to_the_webhook_and_marked_sent(self):
		message = self.reply()
		self.assertEqual(self.state(message).delivery_status, "Pending")
		self.assertEqual(registry.attempt(message), "Sent")
		[(body, signature)] = self.partner.received
		self.assertTrue(is_valid(self.channel.get_password("secret"), body, signature))
		sent = json.loads(body)
		self.assertEqual(sent["client"]["id"], self.client_id)
		self.assertEqual((sent["message"]["id"], sent["message"]["text"]), (message, "Yes, it left today"))
		self.assertEqual(sent["message"]["author_name"], "Ann")
		# Delivered once: a second run of the job sends nothing.
		registry.attempt(message)
		self.assertEqual(len(self.partner.received), 1)

	def test_notes_never_leave_and_channels_without_a_webhook_keep_replies_for_the_history(self):
		note = api.add_note(self.conversation, "Customer is upset")["name"]
		self.assertEqual(self.state(note).delivery_status, "Sent")
		frappe.db.set_value("IQC Channel", self.channel.name, "webhook_url", None)
		frappe.clear_document_cache("IQC Channel", self.channel.name)
		self.assertEqual(self.state(self.reply()).delivery_status, "Sent")
		self.assertEqual(self.partner.received, [])

	def test_a_partner_that_is_down_gets_the_reply_again_later_until_it_fails_for_good(self):
		self.partner.status = 503
		message = self.reply()
		self.assertEqual(registry.attempt(message), "Pending")
		state = self.state(message)
		self.assertEqual(state.delivery_attempts, 1)
		self.assertIn("HTTP 503", state.delivery_error)
		self.assertGreater(state.next_attempt_at, now_datetime())
		self.assertNotIn(message, registry.retry_due())  # its pause is not over
		frappe.db.set_value("IQC Message", message, "next_attempt_at", now_datetime() - timedelta(seconds=1))
		self.assertIn(message, registry.retry_due())
		for _ in registry.RETRY_AFTER_MINUTES:
			registry.attempt(message)
		self.assertEqual(self.state(message).delivery_status, "Failed")
		self.assertEqual(len(self.partner.received), len(registry.RETRY_AFTER_MINUTES) + 1)
		# Back up: a new reply goes through.
		self.partner.status = 200
		self.assertEqual(registry.attempt(self.reply("Sorry for the wait")), "Sent")

	def test_an_unreachable_webhook_is_an_error_to_retry_not_a_crash(self):
		self.partner.stop()
		message = self.reply()
		self.assertEqual(registry.attempt(message), "Pending")
		self.assertIn("ConnectionError", self.state(message).delivery_error)

	def callback(self, body, **kwargs):
		frappe.set_user("Guest")
		try:
			return signed_inbound(
				self.channel, {"channel": self.channel.name, **body}, method="status", **kwargs
			)
		finally:
			frappe.set_user(self.ann)

	def test_the_partner_reports_delivered_then_read_and_states_never_go_back(self):
		message = self.reply()
		registry.attempt(message)
		self.assertEqual(
			self.callback({"message_id": message, "status": "delivered"})["delivery_status"], "Delivered"
		)
		self.assertEqual(self.callback({"message_id": message, "status": "read"})["delivery_status"], "Read")
		late = self.callback({"message_id": message, "status": "delivered"})
		self.assertEqual((late["delivery_status"], late["changed"]), ("Read", False))
		state = self.state(message)
		self.assertTrue(state.delivered_at and state.read_at)
		# The operator's history shows it read.
		history = api.messages(self.conversation)["messages"]
		self.assertEqual(next(m for m in history if m.name == message).delivery_status, "Read")

	def test_bad_callbacks_change_nothing(self):
		message = self.reply()
		registry.attempt(message)
		client_message = frappe.db.get_value(
			"IQC Message", {"conversation": str(self.conversation), "author_type": "Client"}
		)
		other = make_channel(self.line)
		cases = [
			(401, {"message_id": message, "status": "read"}, {"signature": "sha256=" + "0" * 64}),
			(400, {"message_id": message, "status": "seen"}, {}),
			(400, {"status": "read"}, {}),
			(404, {"message_id": client_message, "status": "read"}, {}),
			(404, {"message_id": 999999999, "status": "read"}, {}),
		]
		for status, body, kwargs in cases:
			self.assertRefused(status, self.callback, body, **kwargs)
		frappe.set_user("Guest")
		self.assertRefused(
			404,
			signed_inbound,
			other,
			{"channel": other.name, "message_id": message, "status": "read"},
			method="status",
		)
		self.assertEqual(self.state(message).delivery_status, "Sent")
