"""After the close the client is asked to rate the conversation, and rates it once, 1 to 5."""

import frappe

from iqchannels.api import operator as api
from iqchannels.flows import distribution
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	signed_inbound,
	unique,
)


class TestRating(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator("Active", first_name="Ann")
		line = make_line([self.ann])
		self.channel = make_channel(
			line, closing_text="Thank you for writing!", csat_text="How did we do? Rate us from 1 to 5."
		)
		self.client_id = unique("crm")
		self.conversation = client_writes(self.channel, self.client_id, "Help me").conversation
		distribution.distribute_line(line)

	def rate(self, conversation=None, **body):
		frappe.set_user("Guest")
		try:
			return signed_inbound(
				self.channel,
				{
					"channel": self.channel.name,
					"client": {"id": self.client_id},
					"conversation": conversation or self.conversation,
					**body,
				},
				method="rating",
			)
		finally:
			frappe.set_user("Administrator")

	def close(self):
		frappe.set_user(self.ann)
		api.close(self.conversation, "Resolved")
		frappe.set_user("Administrator")

	def test_the_close_asks_for_a_rating_and_the_client_gives_it_once(self):
		self.assertRefused(409, self.rate, rating=5)  # not closed yet
		self.close()
		bot = frappe.get_all(
			"IQC Message",
			filters={"conversation": str(self.conversation), "author_type": "Bot"},
			pluck="text",
			order_by="name",
		)
		self.assertEqual(bot, ["Thank you for writing!", "How did we do? Rate us from 1 to 5."])
		self.assertEqual(self.rate(rating=4, comment="Quick, thanks")["rating"], 4)
		self.assertRefused(409, self.rate, rating=1)
		frappe.set_user(self.ann)
		details = api.conversation(self.conversation)["conversation"]
		self.assertEqual((details["csat_rating"], details["csat_comment"]), (4, "Quick, thanks"))

	def test_bad_ratings_and_other_peoples_conversations_are_refused(self):
		self.close()
		for rating in (0, 6, "five", 4.5, True, None, "³", "9" * 5000):
			self.assertRefused(400, self.rate, rating=rating)
		self.assertRefused(400, self.rate, rating=3, comment="x" * 1001)
		other = client_writes(self.channel, unique("crm"), "Someone else").conversation
		self.assertRefused(404, self.rate, conversation=other, rating=5)
		self.assertEqual(frappe.db.get_value("IQC Conversation", self.conversation, "csat_rating"), 0)
