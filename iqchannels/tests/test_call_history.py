"""A client's calls in the workspace's history: in time order among the messages, on exactly one page of
it, with their direction, operator, duration and whether the reader may play the recording; counted on
the client's card."""

from datetime import timedelta

import frappe

from iqchannels.api import operator
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	make_supervisor,
	unique,
)


class TestCallHistory(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator(first_name="Ann")
		self.boris = make_operator(first_name="Boris")
		self.line = make_line([self.ann])
		self.other_line = make_line([self.boris])
		self.channel = make_channel(self.line)
		self.phone = make_channel(self.line, channel_type="Phone").name
		person = unique("caller")
		self.messages = [client_writes(self.channel, person, f"Message {i}") for i in range(3)]
		self.client = self.messages[0].client
		self.conversation = self.messages[0].conversation
		frappe.db.set_value("IQC Conversation", self.conversation, "operator", self.ann)
		# Only the client's three messages: the system's remarks would move the pages' bounds.
		frappe.db.delete("IQC Message", {"conversation": self.conversation, "author_type": ["!=", "Client"]})
		# The messages were written a minute apart; calls go between them.
		self.times = []
		for i, message in enumerate(self.messages):
			when = frappe.utils.get_datetime("2026-11-10 10:00:00") + timedelta(minutes=i)
			frappe.db.set_value("IQC Message", message.name, "sent_at", when)
			self.times.append(when)

	def call(self, started, **values):
		return frappe.get_doc(
			{
				"doctype": "IQC Call",
				"direction": "Inbound",
				"state": "Answered",
				"client": self.client,
				"phone": "+74951234567",
				"channel": self.phone,
				"line": self.line,
				"pbx_call_id": frappe.generate_hash(length=12),
				"started_at": started,
				**values,
			}
		).insert(ignore_permissions=True)

	def history(self, **kwargs):
		return operator.messages(self.conversation, **kwargs)

	def test_calls_show_in_time_order_among_the_messages_with_what_an_operator_needs(self):
		second = timedelta(seconds=1)
		before = self.call(self.times[0] - 10 * second, state="Missed", ended_at=self.times[0] - 5 * second)
		between = self.call(
			self.times[1] + 10 * second,
			operator=self.ann,
			answered_at=self.times[1] + 15 * second,
			ended_at=self.times[1] + 45 * second,
			recording_file="/private/files/call.mp3",
		)
		after = self.call(
			self.times[2] + 10 * second,
			direction="Outbound",
			operator=self.boris,
			line=self.other_line,
			answered_at=self.times[2] + 12 * second,
			ended_at=self.times[2] + 72 * second,
			talk_seconds=60,
			recording_url="https://pbx.example/rec/1",
		)
		frappe.set_user(self.ann)
		rows = self.history()["messages"]
		order = [row.get("call") or row.get("text") for row in rows]
		self.assertEqual(
			order, [before.name, "Message 0", "Message 1", between.name, "Message 2", after.name]
		)
		calls = {row["call"]: row for row in rows if row.get("kind") == "call"}
		missed, answered, outbound = calls[before.name], calls[between.name], calls[after.name]
		self.assertEqual(
			(missed["direction"], missed["state"], missed["talk_seconds"]), ("Inbound", "Missed", 0)
		)
		self.assertEqual(
			(answered["operator_name"], answered["talk_seconds"], answered["can_play"]), ("Ann", 30, True)
		)
		self.assertFalse(missed["has_recording"])
		self.assertEqual((outbound["direction"], outbound["talk_seconds"]), ("Outbound", 60))
		self.assertEqual((outbound["has_recording"], outbound["can_play"]), (True, True))
		# Boris, of another line, invited to the conversation: he reads the history, and plays only the
		# recording of his own call (he does not reach this client otherwise).
		conversation = frappe.get_doc("IQC Conversation", self.conversation)
		conversation.append("collaborators", {"user": self.boris})
		conversation.save(ignore_permissions=True)
		frappe.set_user(self.boris)
		boris_view = {row["call"]: row for row in self.history()["messages"] if row.get("kind") == "call"}
		self.assertEqual(
			(boris_view[after.name]["can_play"], boris_view[between.name]["can_play"]), (True, False)
		)
		frappe.set_user(make_supervisor())
		supervisor_view = {
			row["call"]: row for row in self.history()["messages"] if row.get("kind") == "call"
		}
		self.assertTrue(supervisor_view[between.name]["can_play"])

	def test_each_call_is_on_exactly_one_page(self):
		second = timedelta(seconds=1)
		early = self.call(self.times[0] - 30 * second)
		gap = self.call(self.times[1] - 30 * second)  # between the oldest page's message and the next
		late = self.call(self.times[2] + 30 * second)
		frappe.set_user(self.ann)
		latest = self.history(limit=2)
		self.assertTrue(latest["has_more"])
		self.assertEqual([r.get("call") for r in latest["messages"] if r.get("call")], [late.name])
		first_message = next(r for r in latest["messages"] if r.get("kind") != "call")
		older = self.history(before=first_message.name, limit=2)
		self.assertFalse(older["has_more"])
		self.assertEqual(
			[r.get("call") or r.get("text") for r in older["messages"]], [early.name, "Message 0", gap.name]
		)

	def test_calls_count_on_the_client_card(self):
		self.call(self.times[0])
		self.call(self.times[1], state="Missed")
		frappe.set_user(self.ann)
		card = operator.conversation(self.conversation)["client"]
		self.assertEqual((card["call_count"], card["conversation_count"]), (2, 1))
