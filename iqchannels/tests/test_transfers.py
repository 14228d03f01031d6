"""Transfers and invitations through the operator API."""

from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from iqchannels.api import operator as api
from iqchannels.flows import distribution
from iqchannels.flows.transfers import expire_offers
from iqchannels.tests.factories import IQCTestCase, client_writes, make_channel, make_line, make_operator


class TestTransfers(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator(first_name="Ann", status="Active")
		self.bob = make_operator(first_name="Bob", status="Active")
		self.line = make_line([self.ann])
		self.channel = make_channel(self.line)
		self.conversation = client_writes(self.channel, "t-1").conversation
		distribution.distribute_line(self.line)
		self.assertEqual(self.owner(), self.ann)

	def owner(self):
		return frappe.db.get_value("IQC Conversation", self.conversation, "operator")

	def as_user(self, user, fn, *args, **kwargs):
		frappe.set_user(user)
		try:
			return fn(*args, **kwargs)
		finally:
			frappe.set_user("Administrator")

	def system_texts(self):
		return frappe.get_all(
			"IQC Message",
			filters={"conversation": str(self.conversation), "author_type": "System"},
			pluck="text",
		)

	def test_an_accepted_transfer_hands_the_conversation_over(self):
		offer = self.as_user(
			self.ann, api.transfer, self.conversation, to_operator=self.bob, comment="billing question"
		)
		self.assertEqual(self.owner(), self.ann)  # stays until accepted
		self.assertRefused(409, self.as_user, self.ann, api.transfer, self.conversation, to_operator=self.bob)
		self.assertRefused(403, self.as_user, self.ann, api.respond_transfer, offer["transfer"], True)
		answer = self.as_user(self.bob, api.respond_transfer, offer["transfer"], True)
		self.assertEqual(answer["status"], "Accepted")
		self.assertEqual(self.owner(), self.bob)
		rule = frappe.db.get_value(
			"IQC Assignment Log", {"conversation": str(self.conversation), "operator": self.bob}, "rule"
		)
		self.assertEqual(rule, "transfer")
		self.assertTrue(any("billing question" in t for t in self.system_texts()))
		self.assertRefused(409, self.as_user, self.bob, api.respond_transfer, offer["transfer"], True)

	def test_declined_or_expired_the_conversation_stays(self):
		offer = self.as_user(self.ann, api.transfer, self.conversation, to_operator=self.bob)
		self.as_user(self.bob, api.respond_transfer, offer["transfer"], False)
		self.assertEqual(self.owner(), self.ann)
		self.assertTrue(any("declined the transfer" in t for t in self.system_texts()))

		late = self.as_user(self.ann, api.transfer, self.conversation, to_operator=self.bob)
		frappe.db.set_value(
			"IQC Transfer", late["transfer"], "expires_at", now_datetime() - timedelta(seconds=1)
		)
		self.assertRefused(409, self.as_user, self.bob, api.respond_transfer, late["transfer"], True)
		self.assertEqual(expire_offers(), [late["transfer"]])
		self.assertEqual(frappe.db.get_value("IQC Transfer", late["transfer"], "status"), "Expired")
		self.assertEqual(self.owner(), self.ann)

	def test_transfer_to_a_line_requeues_there_with_the_history(self):
		other = make_line([self.bob])
		self.as_user(self.ann, api.transfer, self.conversation, to_line=other, comment="needs billing")
		doc = frappe.get_doc("IQC Conversation", self.conversation)
		self.assertEqual((doc.status, doc.line, doc.operator), ("Queued", other, None))
		distribution.distribute_line(other)
		self.assertEqual(self.owner(), self.bob)
		history = self.as_user(self.bob, api.messages, self.conversation)["messages"]
		self.assertTrue(any(m.author_type == "Client" for m in history))

	def test_bad_transfers_are_refused(self):
		self.assertRefused(400, self.as_user, self.ann, api.transfer, self.conversation)
		self.assertRefused(
			400, self.as_user, self.ann, api.transfer, self.conversation, to_operator="nobody@x.test"
		)
		self.assertRefused(
			400, self.as_user, self.ann, api.transfer, self.conversation, to_line="No Such Line"
		)
		self.assertRefused(403, self.as_user, self.bob, api.transfer, self.conversation, to_operator=self.bob)
		frappe.db.set_value("IQC Operator", self.bob, "status", "Offline")
		self.assertRefused(409, self.as_user, self.ann, api.transfer, self.conversation, to_operator=self.bob)

	def test_an_invited_collaborator_writes_but_the_owner_closes(self):
		self.assertRefused(403, self.as_user, self.bob, api.reply, self.conversation, "hi")
		self.as_user(self.ann, api.invite, self.conversation, self.bob)
		self.assertRefused(409, self.as_user, self.ann, api.invite, self.conversation, self.bob)
		self.as_user(self.bob, api.reply, self.conversation, "Hello, I can help with that")
		self.as_user(self.bob, api.add_note, self.conversation, "checked")
		self.assertIn(
			self.conversation, [r.name for r in self.as_user(self.bob, frappe.get_list, "IQC Conversation")]
		)
		self.assertRefused(403, self.as_user, self.bob, api.close, self.conversation, "Resolved")
		self.assertEqual(self.owner(), self.ann)
		self.as_user(self.ann, api.close, self.conversation, "Resolved")
