"""An operator's close that lands just after the conversation left them (their status change in another
request, on this host or another) closes nothing: the conversation stays in the queue, where the line
sees it, and the operator hears why."""

import frappe

from iqchannels.flows import distribution, lifecycle
from iqchannels.flows.statuses import change_status
from iqchannels.tests.factories import IQCTestCase, client_writes, make_channel, make_line, make_operator


class TestCloseAfterTheConversationLeft(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator(status="Active", slots=3, first_name="Ann")
		self.line = make_line([self.ann])
		self.channel = make_channel(self.line)
		self.conversation = client_writes(self.channel, "race-1").conversation
		distribution.distribute_line(self.line)

	def test_a_close_after_a_requeue_closes_nothing(self):
		# As the close request loaded it, before the status change returned it to the queue.
		seen = frappe.get_doc("IQC Conversation", self.conversation)
		self.assertEqual((seen.status, seen.operator), ("Open", self.ann))
		change_status(self.ann, "Break")

		error = self.assertRefused(409, lifecycle.close, seen, "Resolved", by=self.ann)
		self.assertIn("back to the queue", str(error))
		self.assertEqual(frappe.db.get_value("IQC Conversation", self.conversation, "status"), "Queued")
		texts = frappe.get_all(
			"IQC Message", filters={"conversation": self.conversation, "author_type": "System"}, pluck="text"
		)
		self.assertFalse([t for t in texts if "closed the conversation" in t], texts)

	def test_a_close_of_a_closed_conversation_still_says_so(self):
		seen = frappe.get_doc("IQC Conversation", self.conversation)
		lifecycle.close(frappe.get_doc("IQC Conversation", self.conversation), "Resolved", by=self.ann)
		error = self.assertRefused(409, lifecycle.close, seen, "Resolved", by=self.ann)
		self.assertIn("already closed", str(error))
