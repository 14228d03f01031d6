"""Operator statuses through the API: logging, requeue on Break/Offline, refusal per setting."""

import frappe

from iqchannels.api import operator as api
from iqchannels.flows import distribution
from iqchannels.records import wakeups
from iqchannels.tests.factories import IQCTestCase, client_writes, make_channel, make_line, make_operator


class TestOperatorStatus(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator(first_name="Ann")
		self.line = make_line([self.ann])
		self.channel = make_channel(self.line)

	def as_ann(self, fn, *args, **kwargs):
		frappe.set_user(self.ann)
		try:
			return fn(*args, **kwargs)
		finally:
			frappe.set_user("Administrator")

	def held_by_ann(self, count: int) -> list[str]:
		self.as_ann(api.set_status, "Active")
		names = [client_writes(self.channel, f"s-{i}").conversation for i in range(count)]
		distribution.distribute_line(self.line)
		self.assertEqual(self.count("IQC Conversation", operator=self.ann, status="Open"), count)
		return names

	def test_every_change_is_logged_with_its_time(self):
		self.as_ann(api.set_status, "Active")
		self.as_ann(api.set_status, "Away")
		self.as_ann(api.set_status, "Away")  # no change, no log
		logs = frappe.get_all(
			"IQC Operator Status Log",
			filters={"operator": self.ann},
			fields=["from_status", "to_status", "changed_at", "automatic"],
			order_by="creation asc",
		)
		self.assertEqual(
			[(r.from_status, r.to_status) for r in logs], [("Offline", "Active"), ("Active", "Away")]
		)
		self.assertTrue(all(r.changed_at and not r.automatic for r in logs))
		self.assertEqual(self.as_ann(api.me)["status"], "Away")

	def test_break_returns_held_conversations_to_the_queue(self):
		held = self.held_by_ann(2)
		self.as_ann(api.set_status, "Break")
		for name in held:
			doc = frappe.get_doc("IQC Conversation", name)
			self.assertEqual((doc.status, doc.operator), ("Queued", None))
			texts = frappe.get_all(
				"IQC Message", filters={"conversation": name, "author_type": "System"}, pluck="text"
			)
			self.assertTrue(any("Returned to the queue" in t and "Break" in t for t in texts), texts)
		self.assertEqual(
			frappe.db.get_value(
				"IQC Operator Status Log", {"operator": self.ann, "to_status": "Break"}, "requeued"
			),
			2,
		)

	def test_away_keeps_held_conversations(self):
		held = self.held_by_ann(1)
		self.as_ann(api.set_status, "Away")
		self.assertEqual(frappe.db.get_value("IQC Conversation", held[0], "status"), "Open")
		# and takes no new ones
		client_writes(self.channel, "new-client")
		self.assertEqual(distribution.distribute_line(self.line), [])

	def test_offline_is_refused_while_holding_when_the_setting_says_so(self):
		held = self.held_by_ann(1)
		frappe.db.set_single_value("IQC Settings", "offline_policy", "Refuse while holding")
		error = self.assertRefused(409, self.as_ann, api.set_status, "Offline")
		self.assertIn("1", str(error))
		self.assertEqual(frappe.db.get_value("IQC Operator", self.ann, "status"), "Active")
		self.assertEqual(frappe.db.get_value("IQC Conversation", held[0], "status"), "Open")
		frappe.db.set_single_value("IQC Settings", "offline_policy", "Return to queue")
		self.as_ann(api.set_status, "Offline")
		self.assertEqual(frappe.db.get_value("IQC Conversation", held[0], "status"), "Queued")

	def test_unknown_status_is_refused_and_nothing_logged(self):
		before = self.count("IQC Operator Status Log")
		error = self.assertRefused(400, self.as_ann, api.set_status, "Lunch")
		self.assertIn("Active", str(error))
		self.assertEqual(self.count("IQC Operator Status Log"), before)

	def test_turning_active_asks_for_distribution_of_the_operators_lines(self):
		wakeups.forget_pending()
		self.as_ann(api.set_status, "Active")
		self.assertEqual(wakeups.pending_lines(), {self.line})

	def test_manual_take_one_wins(self):
		bob = make_operator(first_name="Bob")
		line = make_line([self.ann, bob], mode="Manual")
		channel = make_channel(line)
		conversation = client_writes(channel, "t-1").conversation
		self.assertEqual(distribution.distribute_line(line), [])  # manual lines are never auto-assigned
		for user in (self.ann, bob):
			frappe.set_user(user)
			api.set_status("Active")
		frappe.set_user(self.ann)
		self.assertEqual(api.take(conversation)["operator"], self.ann)
		frappe.set_user(bob)
		error = self.assertRefused(409, api.take, conversation)
		self.assertIn("already taken", str(error))
