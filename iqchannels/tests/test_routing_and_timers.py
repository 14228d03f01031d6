"""Routing rules, working hours, the no-answer timeout and presence, on a real site."""

from datetime import timedelta

import frappe
from frappe.utils import add_days, now_datetime

from iqchannels.api import operator as api
from iqchannels.engine.hours import WEEKDAYS
from iqchannels.flows import distribution
from iqchannels.flows.statuses import offline_absent
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	unique,
)


class TestRoutingAndTimers(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator(first_name="Ann", status="Active")
		self.general = make_line([self.ann])
		self.channel = make_channel(self.general, off_hours_text="We are closed, we answer at 9:00.")

	def rule(self, line, order=10, **conditions):
		# Bound to this test's channel: a client's message commits the rule, which must not route
		# the conversations of other tests.
		return frappe.get_doc(
			{
				"doctype": "IQC Routing Rule",
				"rule_name": unique("Rule"),
				"line": line,
				"order": order,
				"channel": self.channel.name,
				**conditions,
			}
		).insert()

	def line_of(self, message):
		return frappe.db.get_value("IQC Conversation", message.conversation, ["line", "routing_rule"])

	def test_rules_route_by_words_and_fall_through_when_nobody_is_active(self):
		cards = make_line([make_operator(first_name="Cid", status="Active")])
		night = make_line([make_operator(first_name="Nik", status="Offline")])
		frappe.db.set_value("IQC Line", night, "assign_only_if_active", 1)
		first = self.rule(night, order=1, words="card")
		second = self.rule(cards, order=2, words="card, карта")
		self.assertEqual(
			self.line_of(client_writes(self.channel, "r-1", "My CARD is blocked")), (cards, second.name)
		)
		self.assertEqual(self.line_of(client_writes(self.channel, "r-2", "Hello")), (self.general, None))
		frappe.db.set_value(
			"IQC Operator",
			frappe.db.get_value("IQC Line Member", {"parent": night}, "operator"),
			"status",
			"Active",
		)
		self.assertEqual(self.line_of(client_writes(self.channel, "r-3", "карта card")), (night, first.name))
		self.assertRaises(frappe.ValidationError, self.rule, cards, pattern="([unclosed")

	def test_outside_working_hours_conversations_wait_and_the_client_is_told(self):
		yesterday = WEEKDAYS[add_days(now_datetime(), -1).weekday()]
		line = frappe.get_doc("IQC Line", self.general)
		line.append("working_hours", {"weekday": yesterday, "start_time": "00:00:00", "end_time": "23:59:59"})
		line.save()
		message = client_writes(self.channel, "h-1", "anyone there?")
		self.assertEqual(distribution.distribute_line(self.general), [])
		bot = frappe.get_all(
			"IQC Message",
			filters={"conversation": str(message.conversation), "author_type": "Bot"},
			pluck="text",
		)
		self.assertEqual(bot, ["We are closed, we answer at 9:00."])

	def test_a_line_with_working_hours_can_be_saved_again_after_a_reload(self):
		line = frappe.get_doc("IQC Line", self.general)
		line.append("working_hours", {"weekday": "Monday", "start_time": "09:00", "end_time": "18:00"})
		line.append("working_hours", {"weekday": "Tuesday", "start_time": "9:30:00", "end_time": "10:00:00"})
		line.save()
		line = frappe.get_doc("IQC Line", self.general)  # times come back as "9:00:00"
		line.priority = 3
		line.save()
		line.reload()
		line.enabled = 0
		line.save()
		self.assertEqual(
			frappe.db.get_value("IQC Line", self.general, ["priority", "enabled"]), (3, 0), "both saves kept"
		)
		line.reload()
		line.working_hours[0].start_time = "18:00:00"
		self.assertRaises(frappe.ValidationError, line.save)  # a row that ends before it starts

	def test_an_unanswered_conversation_returns_and_goes_to_someone_else(self):
		bob = make_operator(first_name="Bob", status="Active")
		line = frappe.get_doc("IQC Line", self.general)
		line.append("members", {"operator": bob})
		line.no_answer_timeout_minutes = 3
		line.save()
		conversation = client_writes(self.channel, "n-1").conversation
		[first] = distribution.distribute_line(self.general)
		frappe.db.set_value(
			"IQC Conversation", conversation, "assigned_at", now_datetime() - timedelta(minutes=4)
		)
		self.assertEqual(distribution.requeue_unanswered(), [conversation])
		texts = frappe.get_all(
			"IQC Message", filters={"conversation": str(conversation), "author_type": "System"}, pluck="text"
		)
		self.assertTrue(any("did not answer within 3 min" in t for t in texts), texts)
		[second] = distribution.distribute_line(self.general)
		self.assertNotEqual(second.operator, first.operator)

	def test_a_disconnected_active_operator_goes_offline_automatically(self):
		frappe.set_user(self.ann)
		api.heartbeat()
		frappe.set_user("Administrator")
		conversation = client_writes(self.channel, "p-1").conversation
		distribution.distribute_line(self.general)
		self.assertNotIn(self.ann, offline_absent())  # seen just now
		frappe.db.set_value("IQC Operator", self.ann, "last_seen_at", now_datetime() - timedelta(minutes=6))
		frappe.db.set_single_value("IQC Settings", "offline_policy", "Refuse while holding")
		self.assertIn(self.ann, offline_absent())
		log = frappe.get_all(
			"IQC Operator Status Log",
			filters={"operator": self.ann, "to_status": "Offline"},
			fields=["automatic", "requeued"],
		)
		self.assertEqual([(r.automatic, r.requeued) for r in log], [(1, 1)])
		self.assertEqual(frappe.db.get_value("IQC Conversation", conversation, "status"), "Queued")

	def test_a_rule_with_a_time_window_applies_only_inside_it(self):
		cards = make_line([make_operator(first_name="Cid", status="Active")])
		now = now_datetime()
		outside = (
			(now + timedelta(hours=2)).strftime("%H:%M:%S"),
			(now + timedelta(hours=3)).strftime("%H:%M:%S"),
		)
		rule = self.rule(cards, words="card", time_window=1, time_from=outside[0], time_to=outside[1])
		self.assertEqual(self.line_of(client_writes(self.channel, "w-1", "card")), (self.general, None))
		rule.time_from, rule.time_to = (
			(now - timedelta(hours=1)).strftime("%H:%M:%S"),
			(now + timedelta(hours=1)).strftime("%H:%M:%S"),
		)
		rule.save()
		self.assertEqual(self.line_of(client_writes(self.channel, "w-2", "card")), (cards, rule.name))

	def test_a_queued_client_knows_the_place_in_the_queue_and_the_wait(self):
		frappe.db.set_value("IQC Operator", self.ann, "slots", 1)
		first = client_writes(self.channel, "q-1").conversation
		distribution.distribute_line(self.general)
		second = client_writes(self.channel, "q-2").conversation
		third = client_writes(self.channel, "q-3").conversation
		frappe.set_user(self.ann)
		self.assertIsNone(api.queue_info(first))  # already with an operator
		# one slot in use and no handling history yet: five minutes a conversation
		self.assertEqual(api.queue_info(second), {"position": 1, "estimated_wait_seconds": 300})
		self.assertEqual(api.queue_info(third), {"position": 2, "estimated_wait_seconds": 600})

	def test_when_everyone_is_busy_the_client_is_told_the_place_and_the_wait(self):
		channel = make_channel(
			self.general, all_busy_text="All operators are busy: you are number {position}, about {wait}."
		)
		frappe.db.set_value("IQC Operator", self.ann, "slots", 1)
		client_writes(channel, "busy-1")  # Ann has a free slot: no busy text
		distribution.distribute_line(self.general)
		second = client_writes(channel, "busy-2").conversation
		third = client_writes(channel, "busy-3").conversation
		self.assertEqual(self.autoreplies(second), ["All operators are busy: you are number 1, about 5 min."])
		self.assertEqual(self.autoreplies(third), ["All operators are busy: you are number 2, about 10 min."])

	def autoreplies(self, conversation) -> list[str]:
		return frappe.get_all(
			"IQC Message", filters={"conversation": str(conversation), "author_type": "Bot"}, pluck="text"
		)
