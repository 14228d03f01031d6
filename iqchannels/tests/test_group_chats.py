"""Group chats: from a client, an operator opens a chat with the client, a colleague and another client
of the company; everyone writes, each client gets every message on their own channel, the colleague in
the workspace, and the group's history is kept like a conversation's."""

import frappe

from iqchannels.api import directory
from iqchannels.api import operator as api
from iqchannels.flows.receiving import receive_client_message
from iqchannels.records.messages import client_visible_history
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_company,
	make_line,
	make_operator,
	unique,
)


class TestGroupChats(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator("Active", first_name="Ann")
		self.bob = make_operator("Active", first_name="Bob")
		self.line = make_line([self.ann, self.bob])
		self.company = make_company(company_name=unique("Horns"))
		self.olga, self.olga_chat = self.client_on(make_channel(self.line), "Olga Main", self.company)
		self.pavel, self.pavel_chat = self.client_on(make_channel(self.line), "Pavel Second", self.company)
		self.stranger, _ = self.client_on(make_channel(self.line), "Stranger", make_company())

	def client_on(self, channel, full_name: str, company: str) -> tuple[str, object]:
		message = client_writes(channel, unique("ext"), "Earlier question")
		client = frappe.db.get_value("IQC Conversation", message.conversation, "client")
		frappe.db.set_value("IQC Client", client, {"full_name": full_name, "company": company})
		frappe.db.sql(
			"update `tabIQC Conversation` set status='Closed', result='Resolved', operator=null where client=%s",
			client,
		)
		return str(client), channel

	def seen_by(self, client: str, channel) -> list[str]:
		return [row["text"] for row in client_visible_history(client, channel.name)["messages"]]

	def writes(self, client: str, channel, text: str):
		message, _ = receive_client_message(channel, client, text, external_id=unique("m"))
		return message

	def start(self, **kwargs):
		frappe.set_user(self.ann)
		values = {"colleagues": [self.bob], "clients": [self.pavel], "text": "Hello both of you"} | kwargs
		return directory.start_group_chat(self.olga, self.line, **values)

	def test_everyone_writes_and_every_client_gets_every_message_on_their_channel(self):
		group = self.start()["conversation"]
		doc = frappe.get_doc("IQC Conversation", group)
		self.assertEqual((doc.kind, doc.status, doc.operator), ("Group", "Open", self.ann))
		self.assertEqual([row.user for row in doc.collaborators], [self.bob])
		self.assertEqual(
			[(row.client, row.channel) for row in doc.group_clients], [(self.pavel, self.pavel_chat.name)]
		)

		frappe.set_user(self.bob)
		api.reply(group, "Bob here, from billing")
		frappe.set_user("Administrator")
		from_pavel = self.writes(self.pavel, self.pavel_chat, "Pavel asks about the invoice")
		from_olga = self.writes(self.olga, self.olga_chat, "Olga agrees")
		self.assertEqual((from_pavel.conversation, from_olga.conversation), (group, group))

		self.assertEqual(
			self.seen_by(self.olga, self.olga_chat)[-4:],
			[
				"Hello both of you",
				"Bob here, from billing",
				"Pavel Second: Pavel asks about the invoice",
				"Olga agrees",
			],
		)
		self.assertEqual(
			self.seen_by(self.pavel, self.pavel_chat)[-4:],
			[
				"Ann: Hello both of you",
				"Bob: Bob here, from billing",
				"Pavel asks about the invoice",
				"Olga Main: Olga agrees",
			],
		)

		# The operators read the group once, each client's words under their name, no relayed copies.
		frappe.set_user(self.bob)
		rows = [r for r in api.messages(group)["messages"] if r["conversation"] == int(group)]
		said = [
			(r["author_type"], r.get("author_name"), r["text"]) for r in rows if r["author_type"] != "System"
		]
		self.assertEqual(
			said,
			[
				("Operator", "Ann", "Hello both of you"),
				("Operator", "Bob", "Bob here, from billing"),
				("Client", "Pavel Second", "Pavel asks about the invoice"),
				("Client", None, "Olga agrees"),
			],
		)

	def test_after_the_group_closes_a_client_writes_into_a_conversation_of_their_own(self):
		group = self.start()["conversation"]
		frappe.set_user(self.ann)
		api.close(group, "Resolved")
		frappe.set_user("Administrator")
		later = self.writes(self.pavel, self.pavel_chat, "One more thing")
		self.assertNotEqual(later.conversation, group)
		self.assertEqual(frappe.db.get_value("IQC Conversation", later.conversation, "kind"), "Chat")
		self.assertNotIn("One more thing", self.seen_by(self.olga, self.olga_chat))

	def test_a_group_with_only_colleagues_is_a_chat_with_the_client_and_them(self):
		group = self.start(clients=[])["conversation"]
		frappe.set_user(self.bob)
		self.assertIn(str(group), [str(r["name"]) for r in api.inbox("collaborating")])
		api.reply(group, "Hi Olga")
		self.assertEqual(self.seen_by(self.olga, self.olga_chat)[-1], "Hi Olga")

	def test_bad_groups_are_refused_and_nothing_is_written(self):
		before = self.count("IQC Conversation")
		frappe.set_user(self.ann)
		self.assertRefused(400, directory.start_group_chat, "", self.line, "Hi", clients=[self.pavel])
		self.assertRefused(
			400, self.start, clients=[self.pavel, self.stranger]
		)  # a client of another company
		self.assertRefused(400, self.start, colleagues=[], clients=[])
		self.assertRefused(400, self.start, text="  ")
		self.assertRefused(400, self.start, colleagues=["nobody@example.com"])
		other_line = make_line([make_operator("Active")])
		outsider, _ = self.client_on(make_channel(other_line), "Elsewhere", self.company)
		frappe.set_user(self.ann)
		self.assertRefused(403, directory.start_group_chat, outsider, self.line, "Hi", colleagues=[self.bob])
		frappe.set_user("Administrator")
		self.assertEqual(self.count("IQC Conversation"), before + 1, "only the other line's own conversation")
		# A client already in an open group is not pulled into a second one on the same channel.
		self.start()
		self.assertRefused(409, self.start)

	def test_the_candidates_are_the_companys_other_clients_and_colleagues(self):
		frappe.set_user(self.ann)
		found = directory.group_candidates(self.olga, self.line)
		self.assertEqual([row["full_name"] for row in found["clients"]], ["Pavel Second"])
		self.assertIn(self.bob, [row["user"] for row in found["colleagues"]])
		self.assertNotIn(self.ann, [row["user"] for row in found["colleagues"]])
