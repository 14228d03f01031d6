"""The one inbound path and the client's one profile, as every channel uses them: a message with several
files, files refused with the reason told, edits, replies, e-mail threads, machine-written mail, the
allowed file types as a setting, and two profiles of one person merged."""

import frappe

from iqchannels.api import clients as clients_api
from iqchannels.api import operator as api
from iqchannels.channels.base import Inbound
from iqchannels.engine.model import DomainError
from iqchannels.flows import lifecycle
from iqchannels.flows.receiving import receive
from iqchannels.records import files
from iqchannels.tests import sample_files
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	make_supervisor,
	unique,
)


class TestInboundPath(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.line = make_line([])
		self.channel = make_channel(self.line, "API", greeting_text="Hello, we are here")
		self.client_id = unique("client")

	def inbound(self, text="Hello", **kwargs) -> Inbound:
		kwargs.setdefault("message_id", unique("m"))
		return Inbound(channel=self.channel, client_id=self.client_id, text=text, **kwargs)

	def conversation_messages(self, conversation) -> list:
		return frappe.get_all(
			"IQC Message",
			filters={"conversation": str(conversation)},
			fields=[
				"name",
				"author_type",
				"kind",
				"text",
				"external_id",
				"attachment",
				"reply_to",
				"edited_at",
			],
			order_by="name",
		)

	def test_a_message_with_files_becomes_its_text_then_one_message_per_file_and_refused_files_are_explained(
		self,
	):
		photo = files.checked("photo.png", sample_files.image("PNG"))
		invoice = files.checked("invoice.pdf", sample_files.PDF)
		message, created = receive(
			self.inbound(
				"Here are the papers",
				message_id="mail-1",
				uploads=[photo, invoice],
				refused=["Files of type exe are not accepted."],
			)
		)
		self.assertTrue(created)
		rows = [r for r in self.conversation_messages(message.conversation) if r.author_type != "System"]
		clients = [r for r in rows if r.author_type == "Client"]
		self.assertEqual(
			[(r.kind, r.text) for r in clients],
			[("Text", "Here are the papers"), ("Image", "photo.png"), ("File", "invoice.pdf")],
		)
		self.assertEqual([r.external_id for r in clients], ["mail-1", "mail-1#1", "mail-1#2"])
		self.assertTrue(all(r.attachment for r in clients[1:]))
		self.assertIn("Files of type exe are not accepted.", [r.text for r in rows if r.author_type == "Bot"])
		# The same message again stores nothing.
		again, created = receive(self.inbound("Here are the papers", message_id="mail-1", uploads=[photo]))
		self.assertFalse(created)
		self.assertEqual(again.name, message.name)
		self.assertEqual(
			self.count("IQC Message", conversation=str(message.conversation), author_type="Client"), 3
		)

	def test_only_refused_files_leave_a_line_for_the_operator_and_the_reason_for_the_client(self):
		message, _ = receive(self.inbound("", refused=["The file movie.mkv is larger than 10 MB."]))
		self.assertEqual(message.text, "A file that was not accepted")
		bot = [r.text for r in self.conversation_messages(message.conversation) if r.author_type == "Bot"]
		self.assertIn("The file movie.mkv is larger than 10 MB.", bot)

	def test_an_empty_message_without_files_is_refused_and_leaves_no_client(self):
		with self.assertRaises(DomainError):
			receive(self.inbound("   "))
		self.assertFalse(frappe.db.exists("IQC Client Identity", {"external_id": self.client_id}))

	def test_an_edit_changes_the_stored_text_and_marks_it_edited(self):
		message, _ = receive(self.inbound("Teh order is late", message_id="42"))
		edited, created = receive(self.inbound("The order is late", message_id="42", edited=True))
		self.assertFalse(created)
		self.assertEqual(edited.name, message.name)
		row = frappe.db.get_value("IQC Message", message.name, ["text", "edited_at"], as_dict=True)
		self.assertEqual(row.text, "The order is late")
		self.assertIsNotNone(row.edited_at)
		# An edit of a message never seen is kept as a message.
		unknown, created = receive(self.inbound("Seen for the first time", message_id="77", edited=True))
		self.assertTrue(created)
		self.assertEqual(unknown.text, "Seen for the first time")

	def test_a_reply_is_linked_to_the_message_it_answers_and_the_history_quotes_it(self):
		first, _ = receive(self.inbound("Where is my parcel?", message_id="100"))
		answer, _ = receive(self.inbound("It was order 12", message_id="101", reply_to="100"))
		self.assertEqual(frappe.db.get_value("IQC Message", answer.name, "reply_to"), str(first.name))
		supervisor = make_supervisor()
		frappe.set_user(supervisor)
		history = api.messages(answer.conversation)["messages"]
		row = next(m for m in history if m.name == answer.name)
		self.assertEqual(row.quote, "Where is my parcel?")
		self.assertEqual(row.channel, self.channel.name)

	def test_threads_join_their_open_conversation_and_anything_else_opens_one(self):
		first, _ = receive(self.inbound("Invoice question", message_id="<a@x>", thread=[], subject="Invoice"))
		self.assertEqual(frappe.db.get_value("IQC Conversation", first.conversation, "subject"), "Invoice")
		follow_up, _ = receive(self.inbound("More on the invoice", message_id="<b@x>", thread=["<a@x>"]))
		self.assertEqual(follow_up.conversation, first.conversation)
		other, _ = receive(self.inbound("Another matter", message_id="<c@x>", thread=[], subject="Delivery"))
		self.assertNotEqual(other.conversation, first.conversation)
		# After the close, an answer in the old thread opens a new conversation.
		result = frappe.get_all("IQC Close Result", filters={"enabled": 1}, pluck="name", limit=1)[0]
		lifecycle.close(frappe.get_doc("IQC Conversation", first.conversation), result, by="Administrator")
		late, _ = receive(self.inbound("One more thing", message_id="<d@x>", thread=["<b@x>", "<a@x>"]))
		self.assertNotIn(late.conversation, (first.conversation, other.conversation))

	def test_machine_written_mail_gets_no_autoreply(self):
		message, _ = receive(self.inbound("I am out of office", automated=True, thread=[]))
		self.assertFalse(self.count("IQC Message", conversation=str(message.conversation), author_type="Bot"))
		human, _ = receive(self.inbound("A real question", message_id=unique("h"), thread=[]))
		self.assertTrue(self.count("IQC Message", conversation=str(human.conversation), author_type="Bot"))


class TestAllowedFiles(IQCTestCase):
	def tearDown(self):
		frappe.db.set_single_value("IQC Settings", "allowed_file_types", None)
		super().tearDown()

	def test_voice_and_audio_are_accepted_as_audio(self):
		ogg = b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13OpusHead" + b"\x00" * 40
		self.assertEqual(files.checked("voice.ogg", ogg).kind, "Audio")
		self.assertEqual(files.checked("photo.webp", sample_files.image("WEBP")).kind, "Image")

	def test_the_settings_name_the_allowed_types(self):
		self.assertEqual(files.checked("invoice.pdf", sample_files.PDF).kind, "File")
		frappe.db.set_single_value("IQC Settings", "allowed_file_types", "jpg, png")
		with self.assertRaises(frappe.ValidationError) as caught:
			files.checked("invoice.pdf", sample_files.PDF)
		self.assertIn("pdf", str(caught.exception))
		self.assertEqual(files.checked("photo.png", sample_files.image("PNG")).kind, "Image")

	def test_content_that_is_not_what_the_name_says_is_refused(self):
		for name, content in sample_files.look_alikes().items():
			with self.assertRaises(frappe.ValidationError, msg=name):
				files.checked(name, content)


class TestOneProfile(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator("Active")
		self.line = make_line([self.ann])
		self.api_channel = make_channel(self.line, "API")
		self.chat = make_channel(self.line, "Web widget")
		self.supervisor = make_supervisor()

	def test_two_profiles_of_one_person_merge_into_one_history(self):
		via_api = client_writes(self.api_channel, unique("crm"), "From the app")
		via_chat = client_writes(self.chat, unique("anon"), "From the website")
		keep, other = via_api.client, via_chat.client
		frappe.db.set_value("IQC Client", other, {"email": "kate@example.com", "phone": "+380441234567"})
		frappe.set_user(self.supervisor)
		found = clients_api.find_clients("kate@", exclude=keep)
		self.assertIn(int(other), [int(c.name) for c in found])
		self.assertRefused(400, clients_api.find_clients, "kate" * 36)  # more than anyone types
		card = clients_api.merge_clients(keep, other)
		self.assertEqual(sorted(i.channel_type for i in card.identities), ["API", "Web widget"])
		self.assertEqual(card.email, "kate@example.com")
		self.assertEqual(frappe.db.get_value("IQC Client", other, "merged_into"), str(keep))
		self.assertEqual(self.count("IQC Conversation", client=str(other)), 0)
		self.assertEqual(self.count("IQC Message", client=str(other)), 0)
		history = api.messages(via_api.conversation)["messages"]
		self.assertEqual(
			{m.text for m in history if m.author_type == "Client"}, {"From the app", "From the website"}
		)
		# The website visitor's next message joins the kept profile.
		again = client_writes(
			self.chat,
			frappe.db.get_value(
				"IQC Client Identity", {"parent": str(keep), "channel": self.chat.name}, "external_id"
			),
			"Back again",
		)
		self.assertEqual(str(again.client), str(keep))
		self.assertRefused(409, clients_api.merge_clients, keep, other)

	def test_merging_is_refused_where_it_would_break_a_rule(self):
		one = client_writes(self.api_channel, unique("a"), "One").client
		two = client_writes(self.api_channel, unique("b"), "Two").client
		frappe.set_user(self.supervisor)
		self.assertRefused(400, clients_api.merge_clients, one, one)
		# Both have an open conversation on the same channel: merged, the client would have two.
		self.assertRefused(409, clients_api.merge_clients, one, two)
		self.assertRefused(404, clients_api.merge_clients, one, 999999999)
		self.assertFalse(frappe.db.get_value("IQC Client", two, "merged_into"))
		# An operator merges only clients she can see.
		stranger = client_writes(make_channel(make_line([]), "API"), unique("c"), "Elsewhere").client
		frappe.set_user(self.ann)
		self.assertRefused(403, clients_api.merge_clients, one, stranger)
