"""Favourites: an operator who follows a client hears every event of that client live and may read
(never write) the client's conversations while a colleague works them."""

import frappe

from iqchannels.api import directory
from iqchannels.api import operator as api
from iqchannels.flows import distribution
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	unique,
)


class TestFavourites(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator("Active", first_name="Ann")
		self.bob = make_operator("Offline", first_name="Bob")
		self.line = make_line([self.ann, self.bob])
		self.channel = make_channel(self.line)
		self.external = unique("ext")
		message = client_writes(self.channel, self.external, "Hello")
		distribution.distribute_line(self.line)
		self.conversation = message.conversation
		self.client = frappe.db.get_value("IQC Conversation", self.conversation, "client")
		self.assertEqual(frappe.db.get_value("IQC Conversation", self.conversation, "operator"), self.ann)

	def events_to(self, user: str, fn, *args) -> list[str]:
		frappe.local._realtime_log = []
		fn(*args)
		return [event for event, _, room in frappe.local._realtime_log if room == f"user:{user}"]

	def test_a_follower_hears_the_client_messages_and_closes(self):
		frappe.set_user(self.bob)
		self.assertFalse(self.events_to(self.bob, client_writes, self.channel, self.external, "before"))
		directory.follow(self.client)
		frappe.set_user("Administrator")
		heard = self.events_to(self.bob, client_writes, self.channel, self.external, "Are you there?")
		self.assertIn("iqchannels:message-created", heard)
		frappe.set_user(self.ann)
		heard = self.events_to(self.bob, api.reply, self.conversation, "Yes")
		self.assertIn("iqchannels:message-created", heard)
		heard = self.events_to(self.bob, api.close, self.conversation, "Resolved")
		self.assertIn("iqchannels:conversation-closed", heard)
		frappe.set_user(self.bob)
		directory.unfollow(self.client)
		frappe.set_user("Administrator")
		self.assertFalse(self.events_to(self.bob, client_writes, self.channel, self.external, "again"))

	def test_a_follower_hears_a_new_conversation_of_the_client(self):
		frappe.set_user(self.bob)
		directory.follow(self.client)
		frappe.db.sql(
			"update `tabIQC Conversation` set status='Closed', result='Resolved' where client=%s", self.client
		)
		frappe.set_user("Administrator")
		heard = self.events_to(self.bob, client_writes, self.channel, self.external, "A new question")
		self.assertIn("iqchannels:conversation-queued", heard)

	def test_a_follower_reads_but_never_writes_a_colleague_conversation(self):
		frappe.set_user(self.bob)
		self.assertRefused(403, api.conversation, self.conversation)
		directory.follow(self.client)
		details = api.conversation(self.conversation)["conversation"]
		self.assertEqual(str(details["name"]), str(self.conversation))
		self.assertFalse(details["can_write"], "the workspace offers a follower no composer")
		texts = [m["text"] for m in api.messages(self.conversation)["messages"]]
		self.assertIn("Hello", texts)
		listed = frappe.get_list("IQC Conversation", filters={"client": self.client}, pluck="name")
		self.assertIn(str(self.conversation), [str(name) for name in listed], "the desk's lists agree")
		before = self.count("IQC Message", conversation=self.conversation)
		self.assertRefused(403, api.reply, self.conversation, "I am only watching")
		self.assertRefused(403, api.add_note, self.conversation, "nor this")
		self.assertRefused(403, api.close, self.conversation, "Resolved")
		self.assertRefused(403, api.transfer, self.conversation, to_line=self.line)
		self.assertEqual(self.count("IQC Message", conversation=self.conversation), before)
		self.assertEqual(frappe.db.get_value("IQC Conversation", self.conversation, "status"), "Open")

	def test_only_clients_of_my_lines_can_be_followed(self):
		outsider = make_operator("Active", first_name="Out")
		make_line([outsider])
		frappe.set_user(outsider)
		self.assertRefused(403, directory.follow, self.client)
		self.assertRefused(403, api.conversation, self.conversation)
		self.assertEqual(self.count("IQC Client List Entry", client=self.client), 0)
		self.assertEqual(directory.favourites(), [])

	def test_follow_twice_keeps_one_favourite_and_unfollow_keeps_the_client_in_the_list(self):
		frappe.set_user(self.bob)
		directory.follow(self.client)
		answer = directory.follow(self.client)
		self.assertTrue(answer["favourite"])
		self.assertEqual(directory.favourites(), [int(self.client)])
		answer = directory.unfollow(self.client)
		self.assertEqual((answer["in_list"], answer["favourite"]), (True, False))
		self.assertEqual(self.count("IQC Client List Entry", client=self.client), 1)
