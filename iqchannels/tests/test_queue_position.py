"""A waiting client's place in the queue (records.queue.position_and_wait), counted by the database in
the order the distribution serves the queue: higher priority first, then the longest waiting (a callback
request from its due time), then the earlier conversation; callback requests not yet due are nobody's
turn."""

from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from iqchannels.records.callbacks import CALLBACK
from iqchannels.records.queue import position_and_wait
from iqchannels.tests.factories import IQCTestCase, client_writes, make_channel, make_line, unique


class TestQueuePosition(IQCTestCase):
	def waiting(self, channel, **values) -> frappe._dict:
		conversation = client_writes(channel, unique("queued")).conversation
		frappe.db.set_value("IQC Conversation", conversation, values, update_modified=False)
		return frappe._dict(name=conversation, status="Queued", line=channel.default_line)

	def place(self, conversation) -> int | None:
		found = position_and_wait(conversation)
		return found["position"] if found else None

	def test_the_place_follows_priority_waiting_time_and_due_callbacks(self):
		line = make_line()  # nobody to serve it: everyone waits
		channel = make_channel(line)
		start = now_datetime() - timedelta(hours=1)
		first_come = self.waiting(channel, priority=0, queued_at=start)
		same_time = self.waiting(channel, priority=0, queued_at=start)
		vip = self.waiting(channel, priority=5, queued_at=start + timedelta(minutes=10))
		# A callback request queued earlier waits from its due time, five minutes before the others.
		due_callback = self.waiting(
			channel,
			priority=0,
			kind=CALLBACK,
			queued_at=start - timedelta(minutes=20),
			callback_due_at=start - timedelta(minutes=5),
		)
		later_callback = self.waiting(
			channel,
			priority=0,
			kind=CALLBACK,
			queued_at=start - timedelta(minutes=30),
			callback_due_at=now_datetime() + timedelta(hours=1),
		)
		self.assertEqual(self.place(vip), 1, "a higher priority is served first")
		self.assertEqual(self.place(due_callback), 2, "a due callback request waits from its due time")
		self.assertEqual(self.place(first_come), 3)
		self.assertEqual(self.place(same_time), 4, "at the same time, the earlier conversation goes first")
		# Not yet due, it is counted ahead of nobody; its own place is after everyone due before it.
		self.assertEqual(self.place(later_callback), 5)

	def test_a_conversation_that_no_longer_waits_has_no_place(self):
		channel = make_channel(make_line())
		conversation = self.waiting(channel, priority=0)
		self.assertEqual(self.place(conversation), 1)
		elsewhere = frappe._dict(conversation, line=make_line())
		self.assertIsNone(position_and_wait(elsewhere), "a conversation is placed only in its own line")
		frappe.db.set_value("IQC Conversation", conversation.name, "status", "Closed")
		self.assertIsNone(position_and_wait(conversation))
