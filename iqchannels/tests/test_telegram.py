"""The Telegram channel on a real site against the Bot API stand-in (a real HTTP server on this machine):
every kind of update in through the webhook, as Telegram posts it through Frappe's request pipeline,
replies, files and typing out, Telegram's refusals, forged and repeated webhooks, updates that cannot be
understood, files refused, edits, the web chat's /start link, polling across a restart, and the
channel's setup on save."""

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import frappe
from frappe.tests.test_api import make_request
from frappe.utils import get_test_client, now_datetime

from iqchannels.channels import registry, telegram_api, telegram_links
from iqchannels.channels import telegram as adapter
from iqchannels.flows import lifecycle
from iqchannels.flows import telegram as updates
from iqchannels.flows.replies import post_operator_message
from iqchannels.records.clients import client_for_identity
from iqchannels.tests import sample_files
from iqchannels.tests.factories import IQCTestCase, make_channel, make_line, make_operator
from iqchannels.tests.telegram_standin import (
	DEFAULT_TOKEN,
	SECRET_HEADER,
	TelegramStandin,
	audio_update,
	contact_update,
	document_update,
	edited_update,
	location_update,
	photo_update,
	sticker_update,
	text_update,
	user,
	video_update,
	voice_update,
)

HOOK = "iqchannels.channels.telegram.on_channel_saved"
OGG = b"OggS\x00\x02" + b"\x00" * 30 + b"OpusHead" + b"\x00" * 40
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 32
users = itertools.count(int(time.time()) % 1000000 * 100 + 7000000000)


def a_user(**kw) -> dict:
	return user(user_id=next(users), **kw)


def save_channel(doc) -> None:
	"""Save a channel as the desk does; until hooks.py names the Telegram doc event, call it as the hook
	would (test_saving_the_channel_is_hooked says whether it does)."""
	doc.save(ignore_permissions=True)
	if HOOK not in (frappe.get_hooks("doc_events").get("IQC Channel", {}).get("on_update") or []):
		adapter.on_channel_saved(doc, "on_update")


def through_site(url: str, body: bytes, headers: dict) -> int:
	"""Telegram's POST to the webhook, through Frappe's WSGI application on its own connection."""
	parts = urlsplit(url)
	response = make_request(
		target=get_test_client().post,
		args=(f"{parts.path}?{parts.query}",),
		kwargs={"data": body, "headers": headers},
	)
	frappe.db.commit()  # this test's connection starts afresh and sees what the request wrote
	return response.status_code


def cleanup(channels: list[str], lines: list[str]) -> None:
	messages = frappe.get_all("IQC Message", filters={"channel": ["in", channels]}, pluck="name")
	if messages:
		frappe.db.delete("File", {"attached_to_doctype": "IQC Message", "attached_to_name": ["in", messages]})
	for doctype in ("IQC Message", "IQC Conversation"):
		frappe.db.delete(doctype, {"channel": ["in", channels]})
	for client in set(
		frappe.get_all("IQC Client Identity", filters={"channel": ["in", channels]}, pluck="parent")
	):
		frappe.delete_doc("IQC Client", client, force=True, ignore_permissions=True)
	for channel in channels:
		frappe.delete_doc("IQC Channel", channel, force=True, ignore_permissions=True)
	for line in lines:
		frappe.delete_doc("IQC Line", line, force=True, ignore_permissions=True)
	frappe.db.commit()


class TelegramCase(IQCTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.standin = TelegramStandin()
		cls.standin.transport = through_site
		cls.base_url = cls.standin.start()
		cls.line = make_line(members=[make_operator(status="Active", slots=50)])
		cls.channel = make_channel(
			cls.line,
			channel_type="Telegram",
			bot_token=DEFAULT_TOKEN,
			api_base_url=cls.base_url,
			telegram_mode="Webhook",
		)
		frappe.db.commit()
		save_channel(cls.channel)
		frappe.db.commit()
		cls.channels, cls.lines = [cls.channel.name], [cls.line]

	@classmethod
	def tearDownClass(cls):
		cls.standin.stop()
		cleanup(cls.channels, cls.lines)
		super().tearDownClass()

	def setUp(self):
		super().setUp()
		self.standin.sent.clear()
		self.standin.failures.clear()
		frappe.db.delete(
			"Error Log", {"reference_doctype": "IQC Channel", "reference_name": self.channel.name}
		)
		frappe.db.commit()

	def tearDown(self):
		frappe.db.commit()
		frappe.set_user("Administrator")

	# --- helpers ----------------------------------------------------------------------------------

	def client_messages(self, sender: dict, **filters) -> list:
		return frappe.get_all(
			"IQC Message",
			filters={
				"channel": self.channel.name,
				"author_type": "Client",
				"client": self.client_of(sender),
				**filters,
			},
			fields=[
				"name",
				"kind",
				"text",
				"attachment",
				"external_id",
				"edited_at",
				"reply_to",
				"conversation",
			],
			order_by="name",
		)

	def client_of(self, sender: dict) -> str | None:
		return frappe.db.get_value(
			"IQC Client Identity", {"channel": self.channel.name, "external_id": str(sender["id"])}, "parent"
		)

	def content(self, message) -> bytes:
		content = frappe.get_doc("File", {"file_url": message.attachment}).get_content()
		return content.encode() if isinstance(content, str) else content

	def post(self, update, secret: str | None = "right", raw: bytes | None = None) -> int:
		headers = {"Content-Type": "application/json"}
		if secret == "right":
			secret = self.channel.get_password("secret")
		if secret is not None:
			headers[SECRET_HEADER] = secret
		url = adapter.webhook_url(self.channel.name)
		return through_site(url, raw if raw is not None else json.dumps(update).encode(), headers)

	def texts_sent(self, chat_id) -> list[str]:
		return [
			call["params"]["text"]
			for call in self.standin.calls("sendMessage")
			if str(call["params"].get("chat_id")) == str(chat_id) and "error" not in call
		]

	def written(self) -> tuple:
		return (
			self.count("IQC Message", channel=self.channel.name),
			self.count("IQC Conversation", channel=self.channel.name),
			self.count("IQC Client Identity", channel=self.channel.name),
		)

	def conversation_of(self, sender: dict):
		name = frappe.db.get_value(
			"IQC Conversation", {"client": self.client_of(sender), "channel": self.channel.name}, "name"
		)
		return frappe.get_doc("IQC Conversation", name)


class TestTelegramInbound(TelegramCase):
	def test_a_text_makes_the_profile_from_the_sender_and_opens_a_conversation(self):
		sender = a_user(first_name="Taras", last_name="Shevchenko", username="taras_sh", language_code="uk")
		pushed = self.standin.push(text_update("Доброго дня! Where is my order?", sender=sender))
		self.assertEqual(self.standin.webhook_errors, [])
		[message] = self.client_messages(sender)
		self.assertEqual(message.text, "Доброго дня! Where is my order?")
		self.assertEqual(message.external_id, f"{sender['id']}:{pushed['message']['message_id']}")
		client = frappe.get_doc("IQC Client", self.client_of(sender))
		self.assertEqual(
			(client.full_name, client.language, client.client_type), ("Taras Shevchenko", "uk", "Channel")
		)
		[identity] = client.identities
		self.assertEqual((identity.external_id, identity.label), (str(sender["id"]), "@taras_sh"))
		self.assertEqual(frappe.db.get_value("IQC Conversation", message.conversation, "status"), "Queued")

		# the same person again: the same profile and conversation; a new username is kept up to date
		sender["username"] = "kobzar"
		self.standin.push(text_update("Hello?", sender=sender))
		self.assertEqual(len(self.client_messages(sender, conversation=message.conversation)), 2)
		self.assertEqual(frappe.db.get_value("IQC Client Identity", identity.name, "label"), "@kobzar")

	def test_every_kind_of_message_comes_in(self):
		sender = a_user()
		small, medium = (
			self.standin.add_file(b"small", "s.jpg", "photos"),
			self.standin.add_file(b"medium", "m.jpg", "photos"),
		)
		jpeg = sample_files.image("JPEG")
		largest = self.standin.add_file(jpeg, "l.jpg", "photos")
		pdf = self.standin.add_file(sample_files.PDF, "invoice.pdf")
		mp4 = self.standin.add_file(sample_files.MP4, "clip.mp4", "videos")
		voice = self.standin.add_file(OGG, "voice.oga", "voice")
		mp3 = self.standin.add_file(MP3, "song.mp3", "music")
		webp = sample_files.image("WEBP")
		sticker = self.standin.add_file(webp, "sticker.webp", "stickers")
		animated = self.standin.add_file(b"\x1f\x8b animated tgs", "sticker.tgs", "stickers")
		thumbnail = self.standin.add_file(webp, "thumb.webp", "thumbnails")
		for update in (
			photo_update([small, medium, largest], caption="My receipt", sender=sender),
			document_update(pdf, "invoice.pdf", "application/pdf", sender=sender),
			video_update(mp4, sender=sender),
			voice_update(voice, sender=sender),
			audio_update(mp3, sender=sender),
			sticker_update(sticker, sender=sender),
			sticker_update(animated, thumbnail_id=thumbnail, is_animated=True, sender=sender),
			location_update(50.4501, 30.5234, sender=sender),
			contact_update("+380441234567", "Lesya", "Ukrainka", sender=sender),
		):
			self.standin.push(update)
		self.assertEqual(self.standin.webhook_errors, [])
		got = self.client_messages(sender)
		self.assertEqual(
			[m.kind for m in got],
			["Text", "Image", "File", "Video", "Audio", "Audio", "Image", "Image", "Text", "Text"],
		)
		caption, photo, document, video, voice_msg, audio, static, thumb, location, contact = got
		self.assertEqual(caption.text, "My receipt")
		self.assertEqual(self.content(photo), jpeg, "the largest size of the photo")
		self.assertEqual(photo.external_id, caption.external_id + "#1")
		self.assertEqual((document.text, self.content(document)), ("invoice.pdf", sample_files.PDF))
		self.assertEqual(self.content(video), sample_files.MP4)
		self.assertEqual(self.content(voice_msg), OGG)
		self.assertEqual(self.content(audio), MP3)
		self.assertEqual(self.content(static), webp)
		self.assertEqual(self.content(thumb), webp)
		fetched = [call["params"]["file_id"] for call in self.standin.calls("getFile")]
		self.assertNotIn(animated, fetched, "an animated sticker comes by its thumbnail")
		self.assertNotIn(small, fetched)
		self.assertIn("50.450100, 30.523400", location.text)
		self.assertIn("openstreetmap.org", location.text)
		self.assertIn("Lesya Ukrainka", contact.text)
		self.assertIn("+380441234567", contact.text)
		for message in (photo, document, video):
			self.assertTrue(frappe.db.get_value("File", {"file_url": message.attachment}, "is_private"))

	def test_a_reply_and_an_edit(self):
		sender = a_user()
		first = self.standin.push(text_update("I ordered a red one", sender=sender))
		conversation = self.conversation_of(sender)
		post_operator_message(conversation, "Administrator", "Which size?")
		frappe.db.commit()
		operator_message = frappe.get_all(
			"IQC Message",
			filters={"conversation": conversation.name, "author_type": "Operator"},
			fields=["name", "external_id", "delivery_status"],
		)[0]
		self.assertEqual(operator_message.delivery_status, "Sent")
		answered_id = int(operator_message.external_id.split(":")[1])
		self.standin.push(
			text_update("XL", sender=sender, reply_to={"message_id": answered_id, "text": "Which size?"})
		)
		self.standin.push(edited_update(first, "I ordered a blue one"))
		original, reply = self.client_messages(sender)
		self.assertEqual(str(reply.reply_to), str(operator_message.name))
		self.assertEqual(original.text, "I ordered a blue one")
		self.assertTrue(original.edited_at, "shown as edited")
		self.assertIsNone(reply.edited_at)

	def test_a_file_refused_by_type_or_size_is_not_stored_and_the_client_is_told(self):
		sender = a_user()
		exe = self.standin.add_file(sample_files.EXE, "setup.exe")
		big = self.standin.add_file(b"%PDF-1.4 never fetched", "huge.pdf")
		files_before = self.count("File")
		self.standin.push(document_update(exe, "setup.exe", sender=sender))
		self.standin.push(document_update(big, "huge.pdf", sender=sender, file_size=11 * 1024 * 1024))
		# one that does not say its size is cut off once the download passes the limit
		unsaid = self.standin.add_file(b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 10), "long.pdf")
		self.standin.push(document_update(unsaid, "long.pdf", sender=sender))
		self.assertEqual(self.count("File"), files_before, "nothing of them is stored")
		self.assertNotIn(big, [call["params"]["file_id"] for call in self.standin.calls("getFile")])
		told = self.texts_sent(sender["id"])
		self.assertTrue(any("exe" in text for text in told), told)
		self.assertTrue(any("huge.pdf" in text and "10 MB" in text for text in told), told)
		self.assertTrue(any("long.pdf" in text and "10 MB" in text for text in told), told)
		self.assertEqual([m.kind for m in self.client_messages(sender)], ["Text"] * 3)

	def test_a_signed_start_link_joins_the_web_chat_profile_and_a_forged_one_does_not(self):
		widget = make_channel(self.line, channel_type="Web widget", continue_in_telegram=self.channel.name)
		self.channels.append(widget.name)
		visitor = client_for_identity(
			widget, "visitor-" + frappe.generate_hash(length=8), {"full_name": "Web Visitor"}
		)
		frappe.db.commit()
		link = telegram_links.start_link(widget, visitor)
		self.assertTrue(link.startswith("https://t.me/iqc_standin_bot?start="), link)
		payload = parse_qs(urlsplit(link).query)["start"][0]
		self.assertRegex(payload, r"^[A-Za-z0-9_-]{1,64}$")

		forged_sender = a_user()
		forged = payload[:-4] + ("AAAA" if not payload.endswith("AAAA") else "BBBB")
		self.standin.push(text_update(f"/start {forged}", sender=forged_sender))
		self.assertNotEqual(self.client_of(forged_sender), str(visitor))
		other = payload.replace(f"{visitor}_", f"{int(visitor) + 1}_", 1)
		self.standin.push(text_update(f"/start {other}", sender=forged_sender))
		self.assertNotEqual(self.client_of(forged_sender), str(visitor))

		sender = a_user()
		self.standin.push(text_update(f"/start {payload}", sender=sender))
		self.assertEqual(self.client_of(sender), str(visitor))
		[message] = self.client_messages(sender)
		self.assertEqual(message.text, "/start", "the payload is not shown")
		self.assertEqual(
			sorted(frappe.get_all("IQC Client Identity", filters={"parent": str(visitor)}, pluck="channel")),
			sorted([widget.name, self.channel.name]),
		)


class TestTelegramWebhookInput(TelegramCase):
	def test_a_forged_or_missing_secret_is_refused_and_writes_nothing(self):
		sender = a_user()
		update = {"update_id": 42, **text_update("forged", sender=sender)}
		before = self.written()
		self.assertEqual(self.post(update, secret=None), 403)
		self.assertEqual(self.post(update, secret="not-the-secret"), 403)
		self.assertEqual(self.post(update, secret=""), 403)
		api_channel = make_channel(self.line)
		self.channels.append(api_channel.name)
		frappe.db.commit()
		url = adapter.webhook_url(api_channel.name)
		headers = {"Content-Type": "application/json", SECRET_HEADER: api_channel.get_password("secret")}
		self.assertEqual(
			through_site(url, json.dumps(update).encode(), headers), 403, "not a Telegram channel"
		)
		self.assertEqual(self.written(), before)
		self.assertIsNone(self.client_of(sender))

	def test_a_repeated_update_stores_one_message(self):
		sender = a_user()
		document = self.standin.add_file(sample_files.PDF, "invoice.pdf")
		update = {
			"update_id": 9100001,
			**document_update(document, "invoice.pdf", caption="The invoice", sender=sender),
		}
		self.standin.chats.add(sender["id"])
		self.assertEqual(self.post(update), 200)
		before = self.written()
		fetched = len(self.standin.calls("getFile"))
		self.assertEqual(self.post(update), 200)
		self.assertEqual(self.written(), before)
		self.assertEqual(len(self.standin.calls("getFile")), fetched, "its file is not fetched again")
		self.assertEqual([m.kind for m in self.client_messages(sender)], ["Text", "File"])

	def test_an_update_that_cannot_be_understood_is_acknowledged_and_logged(self):
		sender = a_user()
		before = self.written()
		poll = {"update_id": 9100101, **text_update("x", sender=sender)}
		del poll["message"]["text"]
		poll["message"]["poll"] = {"id": "1", "question": "Tea or coffee?", "options": []}
		no_sender = {"update_id": 9100102, "message": {"message_id": 5, "chat": {"id": 1, "type": "private"}}}
		for update, raw in (
			(poll, None),
			(no_sender, None),
			({"message": {}}, None),
			(None, b"{not json"),
			(None, b"[]"),
		):
			with self.subTest(update=update, raw=raw):
				headers_json = raw is None or raw.startswith(b"[")
				status = self.post(update, raw=raw) if headers_json else self.post_raw(raw)
				self.assertEqual(status, 200)
		self.assertEqual(self.written(), before)
		logs = frappe.get_all(
			"Error Log",
			filters={"reference_doctype": "IQC Channel", "reference_name": self.channel.name},
			fields=["method", "error"],
		)
		self.assertEqual(len(logs), 5)
		self.assertTrue(all(self.channel.name in log.method for log in logs))
		self.assertTrue(any("poll" in log.error for log in logs))
		self.assertTrue(any("no sender" in log.error for log in logs))

	def post_raw(self, raw: bytes) -> int:
		headers = {"Content-Type": "text/plain", SECRET_HEADER: self.channel.get_password("secret")}
		return through_site(adapter.webhook_url(self.channel.name), raw, headers)

	def test_other_updates_and_group_chats_are_acknowledged_without_a_message(self):
		before = self.written()
		group = text_update("hi all", sender=a_user())
		group["message"]["chat"] = {"id": -100123, "type": "group", "title": "Friends"}
		for update in (
			{"update_id": 9100201, "callback_query": {"id": "1", "from": a_user(), "data": "x"}},
			{"update_id": 9100202, **group},
		):
			self.assertEqual(self.post(update), 200)
		self.assertEqual(self.written(), before)


class TestTelegramOutbound(TelegramCase):
	def client_wrote(self) -> tuple[dict, object]:
		sender = a_user()
		self.standin.push(text_update("Hello", sender=sender))
		return sender, self.conversation_of(sender)

	def reply(self, conversation, text=None, file=None):
		message = post_operator_message(conversation, "Administrator", text, file=file)
		self.assertEqual(message.delivery_status, "Pending")
		frappe.db.commit()  # the first attempt goes right after the commit
		return frappe.get_doc("IQC Message", message.name)

	def test_text_photo_and_document_reach_the_client(self):
		sender, conversation = self.client_wrote()
		text = self.reply(conversation, "Your order ships today 🚚")
		self.assertEqual(text.delivery_status, "Sent")
		[call] = [
			c
			for c in self.standin.calls("sendMessage")
			if c["params"].get("text") == "Your order ships today 🚚"
		]
		self.assertEqual(str(call["params"]["chat_id"]), str(sender["id"]))
		self.assertEqual(text.external_id, f"{sender['id']}:{call['result']['message_id']}")

		jpeg = sample_files.image("JPEG")
		photo = self.reply(conversation, file=("receipt.jpg", jpeg))
		self.assertEqual((photo.kind, photo.delivery_status), ("Image", "Sent"))
		[call] = self.standin.calls("sendPhoto")
		self.assertEqual(call["files"]["photo"]["content"], jpeg)
		self.assertEqual(call["files"]["photo"]["filename"], "receipt.jpg")

		document = self.reply(conversation, file=("invoice.pdf", sample_files.PDF))
		self.assertEqual((document.kind, document.delivery_status), ("File", "Sent"))
		[call] = self.standin.calls("sendDocument")
		self.assertEqual(call["files"]["document"]["content"], sample_files.PDF)
		self.assertEqual(document.external_id, f"{sender['id']}:{call['result']['message_id']}")

	def test_the_operators_typing_shows_in_telegram_at_most_every_few_seconds(self):
		sender, conversation = self.client_wrote()
		for _ in range(3):
			lifecycle.typing(conversation, "operator", True, user="Administrator")
		lifecycle.typing(conversation, "operator", False, user="Administrator")
		[call] = self.standin.calls("sendChatAction")
		self.assertEqual(
			(str(call["params"]["chat_id"]), call["params"]["action"]), (str(sender["id"]), "typing")
		)

	def test_flood_control_waits_as_long_as_telegram_asks_then_sends(self):
		_sender, conversation = self.client_wrote()
		self.standin.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
		message = self.reply(conversation, "Soon")
		self.assertEqual(message.delivery_status, "Pending")
		self.assertIn("7", message.delivery_error)
		wait = (message.next_attempt_at - now_datetime()).total_seconds()
		self.assertTrue(4 < wait <= 7, wait)
		self.assertEqual(registry.attempt(message.name), "Sent")
		self.assertIn(
			"Soon", [c["params"]["text"] for c in self.standin.calls("sendMessage") if "error" not in c]
		)

	def test_a_user_who_blocked_the_bot_fails_the_reply_and_is_unreachable_until_they_write(self):
		sender, conversation = self.client_wrote()
		self.standin.block(sender["id"])
		message = self.reply(conversation, "Are you there?")
		self.assertEqual(message.delivery_status, "Failed")
		self.assertTrue(message.delivery_error)
		identity = frappe.db.get_value(
			"IQC Client Identity",
			{"channel": self.channel.name, "external_id": str(sender["id"])},
			["unreachable", "unreachable_reason"],
			as_dict=True,
		)
		self.assertEqual(identity.unreachable, 1)
		self.assertIn("blocked", identity.unreachable_reason)
		self.standin.push(text_update("Sorry, unblocked you", sender=sender))
		self.assertEqual(
			frappe.db.get_value(
				"IQC Client Identity",
				{"channel": self.channel.name, "external_id": str(sender["id"])},
				"unreachable",
			),
			0,
		)

	def test_a_server_error_is_retried(self):
		_sender, conversation = self.client_wrote()
		self.standin.fail_next("sendDocument", 500, "Internal Server Error")
		message = self.reply(conversation, file=("invoice.pdf", sample_files.PDF))
		self.assertEqual(message.delivery_status, "Pending")
		self.assertTrue(message.next_attempt_at)
		self.assertEqual(registry.attempt(message.name), "Sent")

	def test_a_chat_that_does_not_exist_fails_at_once(self):
		_sender, conversation = self.client_wrote()
		frappe.db.set_value(
			"IQC Client Identity",
			{"parent": conversation.client, "channel": self.channel.name},
			"external_id",
			"999000111",
		)
		message = self.reply(conversation, "Hello?")
		self.assertEqual(message.delivery_status, "Failed")
		self.assertTrue(message.delivery_error)


class TestTelegramSetup(TelegramCase):
	def test_saving_the_channel_is_hooked(self):
		self.assertIn(
			HOOK,
			frappe.get_hooks("doc_events").get("IQC Channel", {}).get("on_update") or [],
			"hooks.py: doc_events = {'IQC Channel': {'on_update': '" + HOOK + "'}}",
		)

	def test_saving_registers_the_webhook_with_the_secret_and_a_wrong_token_shows_the_error(self):
		self.assertEqual(
			frappe.db.get_value("IQC Channel", self.channel.name, "bot_username"), "iqc_standin_bot"
		)
		webhook = self.standin.webhook
		self.assertEqual(webhook["url"], adapter.webhook_url(self.channel.name))
		self.assertIn("iqchannels.api.telegram.webhook?channel=", webhook["url"])
		self.assertEqual(webhook["secret_token"], self.channel.get_password("secret"))

		doc = frappe.get_doc("IQC Channel", self.channel.name)
		doc.bot_token = "999:wrong"
		save_channel(doc)
		self.assertIn("token", frappe.db.get_value("IQC Channel", doc.name, "last_error"))
		self.assertTrue(frappe.db.get_value("IQC Channel", doc.name, "last_error_at"))
		shown = [str(m.get("message")) for m in frappe.get_message_log()]
		self.assertTrue(any("token" in m for m in shown), shown)
		frappe.clear_messages()

		doc = frappe.get_doc("IQC Channel", self.channel.name)
		doc.bot_token = DEFAULT_TOKEN
		save_channel(doc)
		self.assertFalse(frappe.db.get_value("IQC Channel", doc.name, "last_error"))

		doc.telegram_mode = "Polling"
		save_channel(doc)
		self.assertEqual(self.standin.webhook, {}, "polling removes the webhook")
		doc.telegram_mode = "Webhook"
		save_channel(doc)
		self.assertEqual(self.standin.webhook["secret_token"], self.channel.get_password("secret"))
		frappe.db.commit()

	def test_an_unreachable_api_shows_the_error_and_the_save_goes_through(self):
		doc = frappe.get_doc("IQC Channel", self.channel.name)
		doc.api_base_url = "http://127.0.0.1:9"  # nothing listens there
		doc.closing_text = "Bye"
		save_channel(doc)
		self.assertEqual(frappe.db.get_value("IQC Channel", doc.name, "closing_text"), "Bye")
		error = frappe.db.get_value("IQC Channel", doc.name, "last_error")
		self.assertIn("Telegram", error)
		self.assertNotIn(DEFAULT_TOKEN, error, "the token is never shown")
		frappe.clear_messages()
		doc.api_base_url = self.base_url
		doc.closing_text = None
		save_channel(doc)
		self.assertFalse(frappe.db.get_value("IQC Channel", doc.name, "last_error"))
		frappe.db.commit()


class TestTelegramPolling(IQCTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.standin = TelegramStandin()
		cls.base_url = cls.standin.start()
		cls.line = make_line()
		cls.channel = make_channel(
			cls.line,
			channel_type="Telegram",
			bot_token=DEFAULT_TOKEN,
			api_base_url=cls.base_url,
			telegram_mode="Polling",
		)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		cls.standin.stop()
		cleanup([cls.channel.name], [cls.line])
		super().tearDownClass()

	def tearDown(self):
		frappe.db.commit()

	def texts(self) -> list[str]:
		return frappe.get_all(
			"IQC Message",
			filters={"channel": self.channel.name, "author_type": "Client"},
			pluck="text",
			order_by="name",
		)

	def offset(self) -> int:
		return frappe.db.get_value("IQC Channel", self.channel.name, "telegram_offset")

	def test_an_update_that_fails_midway_comes_again_and_none_is_stored_twice(self):
		sender = a_user()
		pdf = self.standin.add_file(sample_files.PDF, "a.pdf")
		first = self.standin.push(text_update("one", sender=sender))
		second = self.standin.push(document_update(pdf, "a.pdf", caption="two", sender=sender))
		self.standin.push(text_update("three", sender=sender))
		self.standin.fail_next("getFile", 500, "Internal Server Error")
		with self.assertRaises(telegram_api.TelegramError):
			updates.poll(self.channel.name, timeout=0)
		self.assertEqual(self.texts(), ["one"])
		self.assertEqual(self.offset(), first["update_id"] + 1)
		self.assertEqual(updates.poll(self.channel.name, timeout=0), 2, "the failed update and the next")
		self.assertEqual(self.texts(), ["one", "two", "a.pdf", "three"])
		self.assertEqual(self.offset(), second["update_id"] + 2)
		self.assertEqual(updates.poll(self.channel.name, timeout=0), 0)
		self.assertEqual(self.standin.updates, [], "all confirmed to Telegram")

	def test_the_poller_stops_on_sigterm_and_a_restart_neither_loses_nor_repeats(self):
		frappe.db.delete("IQC Message", {"channel": self.channel.name})
		frappe.db.commit()
		sender = a_user()
		self.standin.push(text_update("before start 1", sender=sender))
		self.standin.push(text_update("before start 2", sender=sender))
		poller = self.start_poller("--timeout", "1")
		try:
			self.wait_for(lambda: len(self.texts()) == 2)
			self.standin.push(text_update("while running", sender=sender))
			self.wait_for(lambda: len(self.texts()) == 3)
		finally:
			poller.send_signal(signal.SIGTERM)
			output = poller.communicate(timeout=60)
		self.assertEqual(poller.returncode, 0, output)
		self.standin.push(text_update("while stopped", sender=sender))
		again = self.start_poller("--once", "--timeout", "0")
		output = again.communicate(timeout=120)
		self.assertEqual(again.returncode, 0, output)
		frappe.db.commit()  # see what the poller wrote
		self.assertEqual(
			self.texts(), ["before start 1", "before start 2", "while running", "while stopped"], output
		)

	def start_poller(self, *args) -> subprocess.Popen:
		sites = frappe.utils.get_bench_path() + "/sites"
		return subprocess.Popen(
			[
				sys.executable,
				"-m",
				"frappe.utils.bench_helper",
				"frappe",
				"--site",
				frappe.local.site,
				"iqchannels-telegram-poll",
				*args,
			],
			cwd=sites,
			stdout=subprocess.PIPE,
			stderr=subprocess.STDOUT,
			env={**os.environ, "PYTHONUNBUFFERED": "1"},
		)

	def wait_for(self, condition, seconds: float = 60) -> None:
		deadline = time.monotonic() + seconds
		while time.monotonic() < deadline:
			frappe.db.commit()
			if condition():
				return
			time.sleep(0.2)
		self.fail(f"not reached in {seconds} s: {self.texts()}")
