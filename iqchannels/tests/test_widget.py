"""The web chat's guest API through Frappe's own request pipeline, as a visitor's browser calls it:
sessions, identified clients, files, receipts, rating, and what another visitor's ids can reach."""

import io
import json
import time

import frappe
from frappe.tests.test_api import make_request
from frappe.utils import get_test_client

from iqchannels.channels import widget
from iqchannels.flows import lifecycle
from iqchannels.flows.replies import post_operator_message
from iqchannels.records.signing import sign
from iqchannels.tests import sample_files
from iqchannels.tests.factories import (
	IQCTestCase,
	make_channel,
	make_line,
	make_operator,
	remove_committed_floor,
	unique,
)

API = "/api/method/iqchannels.api.widget."


class TestWidget(IQCTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.operator = make_operator(status="Active", slots=50, first_name="Olena")
		cls.line = make_line(members=[cls.operator])
		cls.chat = make_channel(cls.line, channel_type="Web widget", csat_text="Please rate us")
		cls.api_channel = make_channel(cls.line)
		# Requests run on their own connection: they must see what the test made.
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		remove_committed_floor([cls.chat.name, cls.api_channel.name], cls.line)
		super().tearDownClass()

	def setUp(self):
		super().setUp()
		frappe.cache.delete_keys("rl:")

	def tearDown(self):
		frappe.db.commit()
		frappe.set_user("Administrator")

	# --- a visitor's browser -------------------------------------------------------------------

	def request(self, verb: str, url: str, **kwargs):
		"""A request through Frappe's WSGI application on its own thread and connection; afterwards
		this test's connection starts a new transaction, so that it sees what the request wrote."""
		client = get_test_client()
		response = make_request(target=getattr(client, verb), args=(url,), kwargs=kwargs)
		frappe.db.commit()
		return response

	def get(self, url: str, **kwargs):
		return self.request("get", url, **kwargs)

	def post(self, method: str, expect: int | None = None, **args):
		args.setdefault("channel", self.chat.name)
		response = self.request(
			"post", API + method, data=json.dumps(args), headers={"Content-Type": "application/json"}
		)
		if expect is not None:
			self.assertEqual(response.status_code, expect, response.text[:500])
		return response

	def call(self, method: str, **args):
		response = self.post(method, **args)
		self.assertLess(response.status_code, 300, response.text[:500])
		return response.json["message"]

	def upload(self, token: str, name: str, content: bytes, local_id: str | None = None):
		data = {"channel": self.chat.name, "token": token, "file": (io.BytesIO(content), name)}
		if local_id:
			data["local_id"] = local_id
		return self.request("post", API + "send_file", data=data, content_type="multipart/form-data")

	def visitor(self) -> str:
		return self.call("start")["token"]

	def human_error(self, response) -> str:
		return " ".join(
			json.loads(m)["message"] for m in json.loads(response.json.get("_server_messages", "[]"))
		)

	def written(self) -> tuple[int, int, int]:
		return (
			self.count("IQC Message", channel=self.chat.name),
			self.count("IQC Conversation", channel=self.chat.name),
			self.count("IQC Client Identity", channel=self.chat.name),
		)

	# --- sessions ------------------------------------------------------------------------------

	def test_an_anonymous_visitor_keeps_their_chat_across_reloads_and_a_new_one_starts_empty(self):
		before = self.written()
		first = self.call("start")
		self.assertEqual((first["messages"], first["identified"]), ([], False))
		self.assertEqual(self.written(), before, "opening the chat writes nothing")
		waiting = self.count("IQC Conversation", line=self.line, status="Queued")
		sent = self.call("send", token=first["token"], text="Hello, is the sale on?", local_id="m-1")
		self.assertTrue(sent["created"])
		self.assertEqual(
			sent["queue"]["position"], waiting + 1, "the visitor is told their place in the queue"
		)

		reloaded = self.call("start", token=first["token"])
		self.assertEqual(reloaded["token"], first["token"])
		self.assertEqual(reloaded["room"], first["room"])
		self.assertEqual([m["text"] for m in reloaded["messages"]], ["Hello, is the sale on?"])
		self.assertEqual(reloaded["messages"][0]["local_id"], "m-1")

		stranger = self.call("start")
		self.assertNotEqual(stranger["token"], first["token"])
		self.assertNotEqual(stranger["room"], first["room"])
		self.assertEqual(stranger["messages"], [])

	def test_a_retried_send_is_stored_once(self):
		token = self.visitor()
		first = self.call("send", token=token, text="Once", local_id="same-1")
		retry = self.post("send", expect=200, token=token, text="Once", local_id="same-1").json["message"]
		self.assertEqual(retry["message"]["name"], first["message"]["name"])
		self.assertFalse(retry["created"])

	def test_an_identified_client_joins_their_profile_from_other_channels(self):
		customer = unique("crm")
		# The customer first wrote through the company's own app, an API channel.
		body = json.dumps(
			{
				"channel": self.api_channel.name,
				"client": {"id": customer, "full_name": "Ivan Petrov"},
				"text": "Hi",
			}
		).encode()
		response = self.request(
			"post",
			"/api/method/iqchannels.api.inbound.message",
			data=body,
			headers={
				"Content-Type": "application/json",
				"X-IQChannels-Signature": sign(self.api_channel.get_password("secret"), body),
			},
		)
		self.assertEqual(response.status_code, 201, response.text)
		profile = response.json["message"]["client"]

		secret = self.chat.get_password("secret")
		before = self.written()
		for wrong in ("", "0" * 64, sign(secret, b"someone-else"), sign("not-the-secret", customer.encode())):
			refused = self.post("start", expect=401, user_id=customer, user_hash=wrong)
			self.assertIn("signature", self.human_error(refused))
		self.assertEqual(self.written(), before, "a forged identity writes nothing")

		session = self.call("start", user_id=customer, user_hash=sign(secret, customer.encode()), name="Ivan")
		self.assertTrue(session["identified"])
		self.call("send", token=session["token"], text="It's me again, from the website")
		client = frappe.get_doc("IQC Client", profile)
		self.assertEqual(
			sorted((i.channel, i.external_id) for i in client.identities),
			sorted([(self.api_channel.name, customer), (self.chat.name, customer)]),
		)
		self.assertEqual(client.client_type, "Identified")
		self.assertEqual(
			frappe.db.get_value("IQC Message", {"text": "It's me again, from the website"}, "client"),
			str(profile),
		)

	# --- what another visitor's ids reach -------------------------------------------------------

	def test_another_visitors_ids_reach_nothing(self):
		alice = self.visitor()
		said = self.call("send", token=alice, text="My card number ends 4242", local_id="a-1")["message"]
		photo = self.upload(alice, "passport.png", sample_files.image("PNG"), local_id="a-2")
		self.assertEqual(photo.status_code, 201, photo.text)
		alice_file = photo.json["message"]["message"]
		conversation = frappe.get_doc("IQC Conversation", said["conversation"])
		reply = post_operator_message(conversation, self.operator, "Thanks, checking")
		frappe.db.commit()

		bob = self.visitor()
		client_messages = self.count("IQC Message", channel=self.chat.name, author_type="Client")
		# Bob names Alice's messages in every field that takes an id.
		page = self.call("history", token=bob, before=reply.name + 1)
		self.assertEqual(page["messages"], [])
		self.assertEqual(self.call("seen", token=bob, up_to=reply.name, state="read")["changed"], 0)
		self.assertEqual(frappe.db.get_value("IQC Message", reply.name, "delivery_status"), "Sent")
		self.assertEqual(
			self.human_error(self.post("rate", expect=409, token=bob, rating=1)),
			"There is no conversation to rate.",
		)
		own = self.call("send", token=bob, text="Mine", local_id="a-1")
		self.assertTrue(own["created"], "Alice's local id makes Bob a message of his own")
		self.assertNotEqual(own["message"]["name"], said["name"])
		self.assertEqual(
			self.count("IQC Message", channel=self.chat.name, author_type="Client"), client_messages + 1
		)
		self.assertEqual(frappe.db.get_value("IQC Message", said["name"], "text"), "My card number ends 4242")

		# Forged tokens: Alice's id with Bob's signature, a token of another chat, garbage.
		alice_id = widget.visitor_of(self.chat, alice)
		bob_signature = bob.split(".")[1]
		forged = alice.split(".")[0] + "." + bob_signature
		other_chat = make_channel(self.line, channel_type="Web widget")
		frappe.db.commit()
		try:
			foreign = widget.token_for(other_chat, alice_id)
			for token in (
				forged,
				foreign,
				"x.y",
				alice[:-1] + ("0" if alice[-1] != "0" else "1"),
				"",
				"a" * 500,
				alice.split(".")[0] + ".підпис",
			):
				response = self.post("history", token=token)
				self.assertIn(response.status_code, (400, 401), token)
				self.assertNotIn("4242", response.text)
		finally:
			frappe.delete_doc("IQC Channel", other_chat.name, force=True, ignore_permissions=True)
			frappe.db.commit()

		# Alice's file: only through a signed link; Bob cannot turn it into another message's link.
		link = alice_file["attachment"]
		self.assertTrue(link.startswith("/api/method/iqchannels.api.widget.file?"))
		self.assertNotIn("/private/", link)
		fetched = self.get(link)
		self.assertEqual(fetched.status_code, 200)
		self.assertEqual(fetched.data, sample_files.image("PNG"))
		# Bob's own link, pointed at Alice's file, opens nothing.
		bob_file = self.upload(bob, "mine.png", sample_files.image("PNG")).json["message"]["message"]
		tampered = bob_file["attachment"].replace(
			f"message={bob_file['name']}", f"message={alice_file['name']}"
		)
		self.assertEqual(self.get(tampered).status_code, 403)
		self.assertEqual(self.get(bob_file["attachment"]).status_code, 200)
		self.assertEqual(self.get(link.replace("signature=", "signature=0")).status_code, 403)
		private_path = frappe.db.get_value("IQC Message", alice_file["name"], "attachment")
		self.assertEqual(
			self.get(private_path).status_code,
			403,
			"the private file itself is closed to guests",
		)

	def test_file_links_expire(self):
		token = self.visitor()
		sent = self.upload(token, "screen.png", sample_files.image("PNG"))
		name = sent.json["message"]["message"]["name"]
		expires = 1_000_000_000  # long past
		signature = widget.mac(self.chat, "file", f"{name}:{expires}")
		old = f"{API}file?message={name}&expires={expires}&signature={signature}"
		response = self.get(old)
		self.assertEqual(response.status_code, 403)
		self.assertIn("expired", response.text)

	# --- files ---------------------------------------------------------------------------------

	def test_every_allowed_kind_of_file_is_accepted_and_look_alikes_are_refused(self):
		token = self.visitor()
		for name, (content, kind) in sample_files.allowed().items():
			with self.subTest(file=name):
				frappe.cache.delete_keys("rl:")  # this test is about the files, not their number
				response = self.upload(token, name, content)
				self.assertEqual(response.status_code, 201, response.text[:300])
				self.assertEqual(response.json["message"]["message"]["kind"], kind)
		before = self.written()
		for name, content in sample_files.look_alikes().items():
			with self.subTest(look_alike=name):
				frappe.cache.delete_keys("rl:")
				response = self.upload(token, name, content)
				self.assertEqual(response.status_code, 400, response.text[:300])
				self.assertTrue(self.human_error(response))
		frappe.db.set_single_value("IQC Settings", "max_file_size_mb", 1)
		frappe.db.commit()
		try:
			too_big = self.upload(token, "big.txt", b"a" * 1_100_000)
			self.assertEqual(too_big.status_code, 400)
			self.assertIn("larger than 1 MB", self.human_error(too_big))
		finally:
			frappe.db.set_single_value("IQC Settings", "max_file_size_mb", 0)
			frappe.db.commit()
		self.assertEqual(self.written(), before, "refused files leave nothing behind")

	def test_a_file_with_a_very_long_name_is_kept_under_its_whole_name(self):
		token = self.visitor()
		name = "Договір оренди " * 30 + ".pdf"  # far past a file system's 255 bytes
		response = self.upload(token, name, sample_files.PDF)
		self.assertEqual(response.status_code, 201, response.text[:300])
		sent = response.json["message"]["message"]
		self.assertEqual(sent["text"], name.strip())
		self.assertEqual(self.get(sent["attachment"]).data, sample_files.PDF)

	def test_a_tiff_gets_a_png_preview_browsers_can_show(self):
		token = self.visitor()
		sent = self.upload(token, "scan.tiff", sample_files.image("TIFF")).json["message"]["message"]
		self.assertIn("preview=1", sent["preview"])
		preview = self.get(sent["preview"])
		self.assertEqual(preview.status_code, 200)
		self.assertTrue(preview.data.startswith(b"\x89PNG"))
		self.assertTrue(preview.headers["Content-Disposition"].startswith("inline"))
		original = self.get(sent["attachment"])
		self.assertEqual(original.data, sample_files.image("TIFF"))

	# --- the conversation with the operator -----------------------------------------------------

	def test_replies_receipts_and_the_rating_after_close(self):
		token = self.visitor()
		sent = self.call("send", token=token, text="Where is my order?")["message"]
		conversation = frappe.get_doc("IQC Conversation", sent["conversation"])
		conversation.db_set("operator", self.operator)
		conversation.db_set("status", "Open")
		note = post_operator_message(conversation, self.operator, "internal: VIP?", internal=True)
		reply = post_operator_message(conversation, self.operator, "On its way, arrives Friday")
		frappe.db.commit()

		history = self.call("start", token=token)["messages"]
		self.assertEqual([m["text"] for m in history], ["Where is my order?", "On its way, arrives Friday"])
		self.assertNotIn(note.name, [m["name"] for m in history], "notes never reach the customer")
		self.assertEqual(history[1]["author_name"], "Olena")
		self.assertNotIn("author", history[1], "the operator's login stays inside")

		self.assertEqual(self.call("seen", token=token, up_to=reply.name, state="delivered")["changed"], 1)
		self.assertEqual(self.call("seen", token=token, up_to=reply.name, state="read")["changed"], 1)
		self.assertEqual(self.call("seen", token=token, up_to=reply.name, state="delivered")["changed"], 0)
		self.assertEqual(frappe.db.get_value("IQC Message", reply.name, "delivery_status"), "Read")

		# The operator reads the visitor's message: the visitor sees ✓✓.
		lifecycle.unread_reset(conversation)
		frappe.db.commit()
		mine = self.call("start", token=token)["messages"][0]
		self.assertEqual(mine["delivery_status"], "Read")

		self.assertEqual(self.post("rate", expect=409, token=token, rating=5).status_code, 409)
		lifecycle.close(conversation, "Resolved", by=self.operator)
		frappe.db.commit()
		session = self.call("start", token=token)
		self.assertEqual(session["to_rate"], conversation.name)
		self.assertIn("Please rate us", [m["text"] for m in session["messages"]])
		self.assertEqual(self.post("rate", expect=400, token=token, rating=6).status_code, 400)
		rated = self.call("rate", token=token, rating=5, comment="Fast and kind")
		self.assertEqual(rated, {"conversation": conversation.name, "rating": 5})
		self.assertEqual(self.post("rate", expect=409, token=token, rating=1).status_code, 409)
		self.assertIsNone(self.call("start", token=token)["to_rate"])
		self.assertEqual(
			frappe.db.get_value("IQC Conversation", conversation.name, ["csat_rating", "csat_comment"]),
			(5, "Fast and kind"),
		)

	# --- bad input and floods -------------------------------------------------------------------

	def test_bad_input_gets_a_clear_refusal_and_writes_nothing(self):
		token = self.visitor()
		self.call("send", token=token, text="Accepted before")
		before = self.written()
		cases = [
			(400, dict(method="send", token=token, text="")),
			(400, dict(method="send", token=token, text="x" * 4097)),
			(400, dict(method="send", token=token, text="Hi", local_id="no spaces allowed")),
			(400, dict(method="send", token=token, text="Hi", local_id="x" * 65)),
			(401, dict(method="send", token="forged.token", text="Hi")),
			(404, dict(method="send", token=token, text="Hi", channel="No Such Chat")),
			(404, dict(method="send", token=token, text="Hi", channel=self.api_channel.name)),
			(400, dict(method="seen", token=token, up_to="abc")),
			(400, dict(method="seen", token=token, up_to=1, state="lost")),
			(400, dict(method="history", token=token, before="1 or 1=1")),
		]
		for status, args in cases:
			with self.subTest(args=str(args)[:80]):
				frappe.cache.delete_keys("rl:")  # this test is about the input, not the pace of the calls
				response = self.post(args.pop("method"), expect=status, **args)
				self.assertTrue(self.human_error(response), response.text[:300])
		self.assertEqual(self.written(), before)
		self.assertEqual(
			[m["text"] for m in self.call("start", token=token)["messages"]], ["Accepted before"]
		)

	def test_a_flood_is_stopped_with_429(self):
		token = self.visitor()
		# 120 a minute from a visitor: twelve at once, then one each half second.
		began = time.monotonic()
		answers = [self.post("typing", token=token, typing=1).status_code for _ in range(40)]
		at_pace = int((time.monotonic() - began) / 0.5) + 1
		accepted = answers.count(200)
		self.assertEqual(answers[:12], [200] * 12)
		self.assertLessEqual(accepted, 12 + at_pace, answers)
		self.assertEqual(set(answers[12:]), {200, 429} if accepted > 12 else {429})
		self.assertEqual(answers[-1], 429)
		# another visitor at the same address still gets through
		self.assertEqual(self.post("typing", token=self.visitor(), typing=1).status_code, 200)
		starts = [self.post("start").status_code for _ in range(10)]
		self.assertIn(429, starts, "new sessions from one address are limited too")

	def test_the_chat_page_is_served_in_the_visitors_language(self):
		page = self.get(f"/iqchannels_chat?channel={self.chat.name}", headers={"Accept-Language": "uk"})
		self.assertEqual(page.status_code, 200)
		text = page.get_data(as_text=True)
		self.assertIn("iqchannels_chat.bundle", text)
		self.assertIn('<html lang="uk">', text)
		config = json.loads(text.split("window.iqc_chat_config = ", 1)[1].split(";</script>", 1)[0])
		self.assertEqual(config["messages"]["Write a message…"], "Напишіть повідомлення…")
		missing = self.get("/iqchannels_chat?channel=<script>alert(1)</script>")
		self.assertNotIn("<script>alert(1)</script>", missing.get_data(as_text=True))
