"""Starting a conversation with a client from the Clients view: it opens held by the operator on the
client's latest reachable channel, the first message goes out through it, and it closes like any other."""

import frappe

from iqchannels.api import directory
from iqchannels.api import operator as api
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	unique,
)


class TestProactive(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator("Active", first_name="Ann")
		self.line = make_line([self.ann])
		self.old_channel = make_channel(self.line)
		self.new_channel = make_channel(self.line)
		message = client_writes(self.old_channel, unique("old"), "Long ago")
		self.client = frappe.db.get_value("IQC Conversation", message.conversation, "client")
		self.close_all()
		frappe.get_doc("IQC Client", self.client).append(
			"identities", {"channel": self.new_channel.name, "external_id": unique("new")}
		).db_insert()
		client_writes(
			self.new_channel,
			frappe.db.get_value(
				"IQC Client Identity",
				{"parent": self.client, "channel": self.new_channel.name},
				"external_id",
			),
			"Recently",
		)
		self.close_all()

	def close_all(self):
		frappe.db.sql(
			"update `tabIQC Conversation` set status='Closed', result='Resolved', operator=null where client=%s",
			self.client,
		)

	def test_opens_held_by_the_operator_on_the_latest_reachable_channel_and_sends_the_message(self):
		frappe.set_user(self.ann)
		started = directory.start_conversation(self.client, self.line, "Your order has arrived")
		conversation = frappe.get_doc("IQC Conversation", started["conversation"])
		self.assertEqual(
			(conversation.status, conversation.operator, conversation.channel, conversation.line),
			("Open", self.ann, self.new_channel.name, self.line),
		)
		sent = frappe.get_all(
			"IQC Message",
			filters={"conversation": conversation.name, "author_type": "Operator"},
			fields=["text", "author", "internal"],
		)
		self.assertEqual(sent, [{"text": "Your order has arrived", "author": self.ann, "internal": 0}])
		self.assertIn(str(conversation.name), [str(r["name"]) for r in api.inbox("mine")])
		api.close(conversation.name, "Resolved")
		self.assertEqual(frappe.db.get_value("IQC Conversation", conversation.name, "status"), "Closed")

	def test_an_unreachable_channel_is_passed_over_and_no_channel_at_all_is_a_400(self):
		frappe.db.sql(
			"update `tabIQC Client Identity` set unreachable=1 where parent=%s and channel=%s",
			(self.client, self.new_channel.name),
		)
		frappe.set_user(self.ann)
		started = directory.start_conversation(self.client, self.line, "Hello again")
		self.assertEqual(started["channel"], self.old_channel.name)
		frappe.set_user("Administrator")
		self.close_all()
		frappe.db.sql("update `tabIQC Client Identity` set unreachable=1 where parent=%s", self.client)
		frappe.set_user(self.ann)
		before = self.count("IQC Conversation", client=self.client)
		self.assertRefused(400, directory.start_conversation, self.client, self.line, "Anyone?")
		self.assertEqual(self.count("IQC Conversation", client=self.client), before)

	def test_bad_input_and_other_lines_are_refused_and_nothing_is_written(self):
		outsider = make_operator("Active", first_name="Out")
		other_line = make_line([outsider])
		before = self.count("IQC Conversation", client=self.client)
		frappe.set_user(outsider)
		self.assertRefused(403, directory.start_conversation, self.client, self.line, "Hi")
		self.assertRefused(403, directory.start_conversation, self.client, other_line, "Hi")
		frappe.set_user(self.ann)
		self.assertRefused(400, directory.start_conversation, self.client, self.line, "   ")
		self.assertRefused(404, directory.start_conversation, "12x", self.line, "Hi")
		self.assertRefused(404, directory.start_conversation, self.client, "No line", "Hi")
		directory.start_conversation(self.client, self.line, "First")
		self.assertRefused(409, directory.start_conversation, self.client, self.line, "Second")
		self.assertEqual(self.count("IQC Conversation", client=self.client), before + 1)
