"""What the operator workspace reads and changes besides the inbox: its start-up data, a conversation's
details and client card, the counters, the client's profile, typing, files, and what a partner
system's customer reads back of the conversation."""

import io
import zipfile

import frappe

from iqchannels.api import clients as clients_api
from iqchannels.api import operator as api
from iqchannels.flows import distribution
from iqchannels.flows.replies import post_operator_message
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	make_supervisor,
	signed_inbound,
	unique,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 40


def docx() -> bytes:
	buffer = io.BytesIO()
	with zipfile.ZipFile(buffer, "w") as z:
		z.writestr("[Content_Types].xml", "<Types/>")
		z.writestr("word/document.xml", "<document/>")
	return buffer.getvalue()


class TestWorkspaceApi(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator("Active", first_name="Ann")
		self.bob = make_operator("Offline", first_name="Bob")
		self.stranger = make_operator("Active", first_name="Stranger")
		self.line = make_line([self.ann, self.bob])
		make_line([self.stranger])
		self.channel = make_channel(self.line)
		message = client_writes(self.channel, unique("crm"), "Where is my order?")
		distribution.distribute_line(self.line)
		self.conversation = frappe.get_doc("IQC Conversation", message.conversation)
		self.client = self.conversation.client

	def test_the_page_starts_with_me_my_menus_quick_replies_and_offers_waiting_for_me(self):
		anns = self.quick_reply("Personal", user=self.ann)
		bobs = self.quick_reply("Personal", user=self.bob)
		common = self.quick_reply("Global")
		frappe.db.set_value("IQC Operator", self.bob, "status", "Away")
		frappe.set_user(self.ann)
		api.transfer(self.conversation.name, to_operator=self.bob, comment="billing")
		frappe.set_user(self.bob)
		boot = api.workspace_boot()
		self.assertEqual(boot["statuses"], ["Active", "Away", "Break", "Offline"])
		self.assertIn("Resolved", boot["results"])
		shortcuts = {reply.shortcut for reply in boot["quick_replies"]}
		self.assertIn(common, shortcuts)
		self.assertIn(bobs, shortcuts)
		self.assertNotIn(anns, shortcuts)
		[offer] = boot["transfers"]
		self.assertEqual(
			(offer.conversation, offer.comment, offer.from_name), (self.conversation.name, "billing", "Ann")
		)
		self.assertGreater(offer.seconds_left, 60)

	def quick_reply(self, scope: str, user: str | None = None) -> str:
		shortcut = unique("qr")
		frappe.get_doc(
			{
				"doctype": "IQC Quick Reply",
				"title": shortcut,
				"shortcut": shortcut,
				"scope": scope,
				"user": user,
				"text": "Hi",
			}
		).insert(ignore_permissions=True)
		return shortcut

	def test_details_explain_the_assignment_and_carry_the_client_card(self):
		frappe.set_user(self.ann)
		details = api.conversation(self.conversation.name)
		conversation, client = details["conversation"], details["client"]
		self.assertEqual((conversation["status"], conversation["operator"]), ("Open", self.ann))
		self.assertTrue(conversation["can_write"] and conversation["is_owner"])
		self.assertEqual(conversation["assignment"].rule, "least loaded")
		self.assertIn(self.ann, conversation["assignment"].candidates)
		self.assertTrue(client.online, "the client wrote just now")
		self.assertEqual(client.conversation_count, 1)
		self.assertEqual([c.name for c in client.previous], [self.conversation.name])
		self.assertEqual([i.channel for i in client.identities], [self.channel.name])
		frappe.set_user(self.stranger)
		self.assertRefused(403, api.conversation, self.conversation.name)

	def test_counters_count_my_conversations_with_unread_messages_and_my_lines_queue(self):
		client_writes(self.channel, unique("crm"), "second client, nobody free")  # Bob is offline
		frappe.db.set_value("IQC Operator", self.ann, "status", "Away")
		client_writes(self.channel, unique("crm"), "third client")
		frappe.set_user(self.ann)
		counters = api.counters()
		self.assertEqual(counters["mine"], {"total": 1, "unread": 1})
		self.assertEqual(counters["queue"], {"total": 2, "unread": 2})
		api.mark_read(self.conversation.name)
		self.assertEqual(api.counters()["mine"], {"total": 1, "unread": 0})
		frappe.set_user(self.stranger)
		self.assertEqual(api.counters()["queue"]["total"], 0)

	def test_collaborating_view_and_sorting(self):
		frappe.set_user(self.ann)
		api.invite(self.conversation.name, self.stranger)
		frappe.set_user(self.stranger)
		self.assertEqual([r.name for r in api.inbox(view="collaborating")], [self.conversation.name])
		self.assertEqual(
			[r.name for r in api.inbox(view="collaborating", sort="oldest")], [self.conversation.name]
		)
		self.assertRefused(400, api.inbox, view="collaborating", sort="sideways")
		frappe.set_user(self.bob)
		self.assertEqual(api.inbox(view="collaborating"), [])

	def test_an_operator_edits_the_card_of_their_client_only(self):
		frappe.set_user(self.ann)
		card = clients_api.update_client(
			self.client, {"full_name": "Ivan Petrov", "vip": 1, "phone": "+7 900 000-00-01"}
		)
		self.assertEqual((card.full_name, card.vip, card.phone), ("Ivan Petrov", 1, "+7 900 000-00-01"))
		self.assertRefused(400, clients_api.update_client, self.client, {"blocked": 1})
		self.assertEqual(frappe.db.get_value("IQC Client", self.client, "blocked"), 0)
		frappe.set_user(self.stranger)
		self.assertRefused(403, clients_api.update_client, self.client, {"full_name": "Somebody Else"})
		self.assertEqual(frappe.db.get_value("IQC Client", self.client, "full_name"), "Ivan Petrov")

	def test_identities_are_added_once_and_never_taken_from_another_client(self):
		other = client_writes(self.channel, "taken-id", "another client").client
		frappe.set_user(self.ann)
		card = clients_api.add_client_identity(self.client, self.channel.name, "crm-extra")
		self.assertEqual(len(card.identities), 2)
		self.assertRefused(409, clients_api.add_client_identity, self.client, self.channel.name, "taken-id")
		self.assertEqual(
			frappe.db.count("IQC Client Identity", {"external_id": "taken-id", "parent": other}), 1
		)
		extra = next(i.name for i in card.identities if i.external_id == "crm-extra")
		self.assertEqual(len(clients_api.remove_client_identity(self.client, extra).identities), 1)
		self.assertRefused(404, clients_api.remove_client_identity, self.client, extra)

	def test_the_customer_reads_replies_but_never_notes_or_system_remarks(self):
		external_id = frappe.db.get_value("IQC Client Identity", {"parent": str(self.client)}, "external_id")
		frappe.set_user(self.ann)
		api.reply(self.conversation.name, "We are looking into it")
		api.add_note(self.conversation.name, "Customer is upset")
		frappe.set_user("Guest")
		seen = signed_inbound(
			self.channel, {"channel": self.channel.name, "client": {"id": external_id}}, method="history"
		)
		texts = [m.text for m in seen["messages"]]
		self.assertEqual(texts, ["Where is my order?", "We are looking into it"])
		self.assertEqual(seen["messages"][1].author_name, "Ann")
		self.assertNotIn("author", seen["messages"][1])
		unknown = {"channel": self.channel.name, "client": {"id": "never-wrote"}}
		self.assertRefused(404, signed_inbound, self.channel, unknown, method="history")
		self.assertRefused(401, signed_inbound, self.channel, unknown, signature="sha256=00", method="typing")

	def test_a_typing_customer_is_shown_online(self):
		external_id = frappe.db.get_value("IQC Client Identity", {"parent": str(self.client)}, "external_id")
		frappe.db.set_value("IQC Client", self.client, "last_seen_at", "2026-01-01 00:00:00")
		frappe.set_user("Guest")
		answer = signed_inbound(
			self.channel,
			{"channel": self.channel.name, "client": {"id": external_id}, "typing": True},
			method="typing",
		)
		self.assertEqual(answer["conversation"], self.conversation.name)
		frappe.set_user(self.ann)
		self.assertTrue(api.conversation(self.conversation.name)["client"].online)

	def test_files_are_accepted_by_content_and_kept_private_to_the_conversation(self):
		image = post_operator_message(self.conversation, self.ann, None, file=("receipt.png", PNG))
		self.assertEqual(image.kind, "Image")
		[file] = frappe.get_all("File", filters={"file_url": image.attachment}, pluck="name")
		file = frappe.get_doc("File", file)
		self.assertTrue(file.is_private)
		self.assertEqual((file.attached_to_doctype, file.attached_to_name), ("IQC Message", str(image.name)))
		frappe.set_user(self.ann)
		self.assertTrue(file.is_downloadable())
		frappe.set_user(self.stranger)
		self.assertFalse(file.is_downloadable())
		frappe.set_user("Administrator")
		document = post_operator_message(self.conversation, self.ann, None, file=("contract.docx", docx()))
		self.assertEqual(document.kind, "File")
		before = self.count("IQC Message")
		for name, content in [
			("photo.png", EXE),
			("setup.exe", EXE),
			("contract.docx", PNG),
			("empty.txt", b""),
		]:
			self.assertRefused(
				400, post_operator_message, self.conversation, self.ann, None, file=(name, content)
			)
		frappe.db.set_single_value("IQC Settings", "max_file_size_mb", 1)
		self.assertRefused(
			400, post_operator_message, self.conversation, self.ann, None, file=("big.txt", b"a" * 1_100_000)
		)
		self.assertEqual(self.count("IQC Message"), before)

	def test_muting_notifications_is_remembered_for_the_operator(self):
		frappe.set_user(self.ann)
		self.assertFalse(api.workspace_boot()["notifications_muted"])
		api.set_notifications(1)
		self.assertTrue(api.workspace_boot()["notifications_muted"])
		frappe.set_user(self.bob)
		self.assertFalse(api.workspace_boot()["notifications_muted"])

	def test_only_members_read_a_line_and_so_only_they_may_join_its_realtime_room(self):
		self.assertTrue(frappe.has_permission("IQC Line", doc=self.line, ptype="read", user=self.ann))
		self.assertFalse(frappe.has_permission("IQC Line", doc=self.line, ptype="read", user=self.stranger))
		frappe.set_user(self.stranger)
		self.assertNotIn(self.line, frappe.get_list("IQC Line", pluck="name"))
		frappe.set_user(make_supervisor())
		self.assertIn(self.line, frappe.get_list("IQC Line", pluck="name"))

	def test_only_those_who_oversee_the_floor_read_the_settings_and_join_the_supervisors_room(self):
		self.assertFalse(
			frappe.has_permission("IQC Settings", doc="IQC Settings", ptype="read", user=self.ann)
		)
		supervisor = make_supervisor()
		self.assertTrue(
			frappe.has_permission("IQC Settings", doc="IQC Settings", ptype="read", user=supervisor)
		)
