"""Who sees and answers what, through the same APIs the workspace uses."""

import frappe

from iqchannels.api import operator as api
from iqchannels.flows import distribution
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	make_supervisor,
	make_user,
)


class TestPermissions(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator(first_name="Ann", status="Active")
		self.bob = make_operator(first_name="Bob")
		self.cid = make_operator(first_name="Cid")
		self.sales = make_line([self.ann, self.bob])
		self.billing = make_line([self.cid])
		sales_channel = make_channel(self.sales)
		billing_channel = make_channel(self.billing)
		self.anns = client_writes(sales_channel, "p-1").conversation
		distribution.distribute_line(self.sales)  # Ann is the only Active member
		frappe.db.set_value("IQC Operator", self.ann, "status", "Away")
		self.sales_queued = client_writes(sales_channel, "p-2").conversation
		self.billing_queued = client_writes(billing_channel, "p-3").conversation
		self.assertEqual(frappe.db.get_value("IQC Conversation", self.anns, "operator"), self.ann)

	def test_operator_sees_own_conversations_and_own_lines_queue_only(self):
		frappe.set_user(self.bob)
		queue = {row.name for row in api.inbox("queue")}
		self.assertIn(self.sales_queued, queue)
		self.assertNotIn(self.billing_queued, queue)
		self.assertEqual(api.inbox("mine"), [])
		self.assertRefused(403, api.inbox, "all")
		self.assertRefused(403, api.messages, self.anns)
		self.assertRefused(403, api.messages, self.billing_queued)
		self.assertTrue(api.messages(self.sales_queued)["messages"])
		listed = set(frappe.get_list("IQC Conversation", pluck="name"))
		self.assertIn(self.sales_queued, listed)
		self.assertNotIn(self.anns, listed)
		self.assertNotIn(self.billing_queued, listed)
		self.assertFalse(frappe.has_permission("IQC Conversation", "read", doc=self.anns))
		visible_messages = set(frappe.get_list("IQC Message", pluck="conversation"))
		self.assertNotIn(self.anns, visible_messages)

	def test_operator_cannot_answer_or_close_someone_elses_conversation(self):
		frappe.set_user(self.bob)
		before = self.count("IQC Message", conversation=self.anns)
		self.assertRefused(403, api.reply, self.anns, "hijack")
		self.assertRefused(403, api.add_note, self.anns, "hijack")
		self.assertRefused(403, api.close, self.anns, "Resolved")
		self.assertRefused(403, api.mark_read, self.anns)
		self.assertRefused(409, api.reply, self.sales_queued, "take it first")
		self.assertEqual(self.count("IQC Message", conversation=self.anns), before)
		frappe.set_user(self.cid)
		self.assertRefused(403, api.take, self.sales_queued)

	def test_unknown_conversation_is_a_404(self):
		frappe.set_user(self.ann)
		self.assertRefused(404, api.reply, "999999999", "hello")
		self.assertRefused(404, api.messages, "not-a-number")

	def test_empty_and_over_long_replies_are_refused(self):
		frappe.set_user(self.ann)
		before = self.count("IQC Message")
		self.assertRefused(400, api.reply, self.anns, "   ")
		error = self.assertRefused(400, api.reply, self.anns, "x" * 5000)
		self.assertIn("4096", str(error))
		self.assertEqual(self.count("IQC Message"), before)

	def test_supervisor_sees_everything(self):
		frappe.set_user(make_supervisor())
		every = {row.name for row in api.inbox("all", page_length=200)}
		self.assertEqual(api.inbox("all", start="9" * 40), [], "a page past the end is empty")
		self.assertRefused(400, api.inbox, "all", date_to="0000-00-00")
		self.assertTrue({self.anns, self.sales_queued, self.billing_queued} <= every)
		self.assertTrue(api.messages(self.billing_queued)["messages"])

	def test_other_desk_users_and_guests_see_nothing(self):
		for user in (make_user(role=None, first_name="Clerk"), "Guest"):
			frappe.set_user(user)
			self.assertRefused(403, api.inbox, "mine")
			self.assertRefused(403, api.messages, self.anns)
			self.assertRefused(403, api.set_status, "Active")
			self.assertFalse(frappe.has_permission("IQC Conversation", "read"))
			self.assertFalse(frappe.has_permission("IQC Message", "read"))

	def test_search_by_number_name_and_phone(self):
		frappe.db.set_value(
			"IQC Client",
			frappe.db.get_value("IQC Conversation", self.sales_queued, "client"),
			"phone",
			"+79990001122",
		)
		frappe.set_user(self.bob)
		self.assertEqual([r.name for r in api.inbox("queue", search="0001122")], [self.sales_queued])
		self.assertEqual(
			[r.name for r in api.inbox("queue", search=f"#{self.sales_queued}")], [self.sales_queued]
		)
		self.assertEqual(api.inbox("queue", search="nobody-has-this-name"), [])
