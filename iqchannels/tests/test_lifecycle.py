"""A conversation's whole life through the APIs: opened by a client, queued, assigned, answered, closed."""

from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from iqchannels.api import operator as api
from iqchannels.flows import distribution
from iqchannels.flows.lifecycle import auto_close_silent
from iqchannels.records import wakeups
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	signed_inbound,
	unique,
)


class TestLifecycle(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator(first_name="Ann")
		self.line = make_line([self.ann])
		self.channel = make_channel(self.line, closing_text="Thank you, goodbye!")

	def history_texts(self, conversation, as_user):
		frappe.set_user(as_user)
		page = api.messages(conversation)
		frappe.set_user("Administrator")
		return [(m.author_type, m.text) for m in page["messages"]]

	def test_a_client_message_opens_a_queued_conversation_and_the_next_one_joins_it(self):
		first = client_writes(self.channel, "c-1", "My card is blocked")
		# Asked once this transaction commits; the next message's own transaction then wakes the line.
		self.assertIn(self.line, wakeups.pending_lines())
		second = client_writes(self.channel, "c-1", "Please help")
		self.assertEqual(first.conversation, second.conversation)
		conversation = frappe.get_doc("IQC Conversation", first.conversation)
		self.assertEqual(conversation.status, "Queued")
		self.assertEqual(conversation.line, self.line)
		self.assertEqual(conversation.unread_count, 2)
		self.assertEqual(conversation.last_message_preview, "Please help")
		self.assertTrue(
			conversation.opened_at and conversation.queued_at and conversation.last_client_message_at
		)
		system = frappe.get_all(
			"IQC Message", filters={"conversation": conversation.name, "author_type": "System"}, pluck="text"
		)
		self.assertEqual(len(system), 1)
		self.assertIn(f"#{conversation.name}", system[0])

	def test_the_whole_life_through_the_operator_api(self):
		conversation = client_writes(self.channel, "c-2", "Where is my parcel?").conversation

		frappe.set_user(self.ann)
		self.assertEqual(api.set_status("Active")["status"], "Active")
		frappe.set_user("Administrator")
		assigned = distribution.distribute_line(self.line)
		self.assertEqual([(a.conversation, a.operator) for a in assigned], [(conversation, self.ann)])

		frappe.set_user(self.ann)
		mine = api.inbox("mine")
		self.assertEqual([row.name for row in mine], [conversation])
		self.assertEqual(mine[0].unread_count, 1)
		self.assertEqual(api.mark_read(conversation), {"read": 1})
		reply = api.reply(conversation, "It is on its way, arriving tomorrow.")
		# No webhook on this channel: the partner reads replies through the history API.
		self.assertEqual(reply["delivery_status"], "Sent")
		note = api.add_note(conversation, "Checked the tracking number")
		self.assertTrue(note["internal"])
		self.assertRefused(400, api.close, conversation)
		self.assertEqual(frappe.db.get_value("IQC Conversation", conversation, "status"), "Open")
		closed = api.close(conversation, "Resolved")
		self.assertEqual((closed["status"], closed["result"]), ("Closed", "Resolved"))
		self.assertRefused(409, api.close, conversation, "Resolved")
		self.assertRefused(409, api.reply, conversation, "one more thing")

		doc = frappe.get_doc("IQC Conversation", conversation)
		self.assertEqual(doc.closed_by, self.ann)
		self.assertTrue(doc.assigned_at <= doc.first_response_at <= doc.closed_at)
		self.assertEqual(doc.unread_count, 0)
		texts = self.history_texts(conversation, self.ann)
		self.assertIn(("Operator", "It is on its way, arriving tomorrow."), texts)
		self.assertEqual(texts[-1], ("Bot", "Thank you, goodbye!"))
		self.assertTrue(any(kind == "System" and "closed the conversation" in text for kind, text in texts))
		self.assertEqual(
			frappe.db.get_value(
				"IQC Message", {"conversation": conversation, "author_type": "Client"}, "delivery_status"
			),
			"Read",
		)

		frappe.set_user("Administrator")
		again = client_writes(self.channel, "c-2", "Another question").conversation
		self.assertNotEqual(again, conversation)
		self.assertEqual(frappe.db.get_value("IQC Conversation", again, "status"), "Queued")

	def test_history_spans_conversations_and_is_paged(self):
		first = client_writes(self.channel, "c-3", "one").conversation
		frappe.set_user(self.ann)
		api.set_status("Active")
		frappe.set_user("Administrator")
		distribution.distribute_line(self.line)
		frappe.set_user(self.ann)
		api.close(first, "Resolved")
		frappe.set_user("Administrator")
		second = client_writes(self.channel, "c-3", "two").conversation
		client_writes(self.channel, "c-3", "three")
		distribution.distribute_line(self.line)

		frappe.set_user(self.ann)
		page = api.messages(second, limit=3)
		self.assertTrue(page["has_more"])
		self.assertEqual([m.author_type for m in page["messages"]], ["Client", "Client", "System"])
		self.assertEqual([m.text for m in page["messages"]][:2], ["two", "three"])
		self.assertTrue(page["messages"][0].group_start)
		self.assertFalse(page["messages"][1].group_start)  # "three" continues "two" within 60 s
		older = api.messages(second, before=page["messages"][0].name, limit=200)
		self.assertFalse(older["has_more"])
		everything = [m.text for m in older["messages"] + page["messages"]]
		self.assertTrue(everything[0].startswith(f"Conversation #{first} opened"))
		self.assertIn("one", everything)
		self.assertEqual({m.conversation for m in older["messages"] + page["messages"]}, {first, second})

	def test_retried_inbound_message_is_stored_once(self):
		first = client_writes(self.channel, "c-4", "hi", message_id="m-1")
		retry = client_writes(self.channel, "c-4", "hi", message_id="m-1")
		self.assertEqual(first.name, retry.name)
		self.assertEqual(self.count("IQC Message", external_id="m-1", channel=self.channel.name), 1)

	def test_spam_closes_blocks_and_refuses_the_next_message(self):
		message = client_writes(self.channel, "c-5", "BUY CHEAP PILLS")
		frappe.set_user(self.ann)
		api.mark_spam(message.conversation)  # straight from the queue of the operator's line
		frappe.set_user("Administrator")
		doc = frappe.get_doc("IQC Conversation", message.conversation)
		self.assertEqual((doc.status, doc.result, doc.spam), ("Closed", "Spam", 1))
		self.assertEqual(frappe.db.get_value("IQC Client", message.client, "blocked"), 1)
		before = self.count("IQC Message")
		body = {"channel": self.channel.name, "client": {"id": "c-5"}, "text": "more spam"}
		error = self.assertRefused(403, signed_inbound, self.channel, body)
		self.assertIn("blocked", str(error))
		self.assertEqual(self.count("IQC Message"), before)

	def test_silent_client_is_auto_closed_but_a_waiting_client_is_not(self):
		frappe.set_user(self.ann)
		api.set_status("Active")
		frappe.set_user("Administrator")
		silent = client_writes(self.channel, "c-6", "question").conversation
		waiting = client_writes(self.channel, "c-7", "question").conversation
		distribution.distribute_line(self.line)
		frappe.set_user(self.ann)
		api.reply(silent, "answer")
		frappe.set_user("Administrator")
		client_writes(self.channel, "c-7", "still waiting")
		long_ago = now_datetime() - timedelta(hours=2)
		for name in (silent, waiting):
			frappe.db.set_value(
				"IQC Conversation",
				name,
				{
					"last_operator_message_at": long_ago,
					"last_client_message_at": long_ago - timedelta(minutes=1),
				},
			)
		frappe.db.set_value("IQC Conversation", waiting, "last_client_message_at", now_datetime())

		# (On a site in use, other silent conversations are closed in the same sweep.)
		closed = auto_close_silent()
		self.assertIn(silent, closed)
		self.assertNotIn(waiting, closed)
		self.assertEqual(
			frappe.db.get_value("IQC Conversation", silent, ["status", "result"]), ("Closed", "Client silent")
		)
		self.assertEqual(frappe.db.get_value("IQC Conversation", waiting, "status"), "Open")

	def test_category_is_editable_while_open(self):
		# A name of its own: a client's message commits what came before it, so the category stays.
		delivery = (
			frappe.get_doc({"doctype": "IQC Category", "category_name": unique("Delivery")}).insert().name
		)
		conversation = client_writes(self.channel, "c-8").conversation
		frappe.set_user(self.ann)
		api.set_status("Active")
		frappe.set_user("Administrator")
		distribution.distribute_line(self.line)
		frappe.set_user(self.ann)
		self.assertEqual(api.set_category(conversation, delivery)["category"], delivery)
		self.assertRefused(400, api.set_category, conversation, "No such category")
		api.close(conversation, "Resolved")
		self.assertEqual(frappe.db.get_value("IQC Conversation", conversation, "category"), delivery)


class TestRealtimeAudience(IQCTestCase):
	"""Events go to the rooms of entitled users only, and only once the transaction commits."""

	def test_queued_conversation_is_announced_to_its_line_and_the_supervisors_rooms_only(self):
		ann, outsider = make_operator(first_name="Ann"), make_operator(first_name="Out")
		line = make_line([ann])
		make_line([outsider])
		frappe.local._realtime_log = []
		client_writes(make_channel(line), "rt-1")
		rooms = {
			room for event, _, room in frappe.local._realtime_log if event == "iqchannels:conversation-queued"
		}
		# One publish per room, whoever is in it; who may join a room is the site's permission check
		# (tested in test_workspace_api and, end to end, in e2e/test_socket_events.py).
		self.assertEqual(rooms, {f"doc:IQC Line/{line}", "doc:IQC Settings/IQC Settings"})
		ours = [room for event, _, room in frappe.local._realtime_log if event.startswith("iqchannels:")]
		self.assertTrue(all(room.startswith(("user:", "doc:")) for room in ours), ours)
		frappe.db.rollback()
		self.assertEqual(getattr(frappe.local, "_realtime_log", []), [])  # nothing is sent for a rollback
