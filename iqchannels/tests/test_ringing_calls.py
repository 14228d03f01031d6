"""A call ringing for an operator: the pop-up's card (who calls, their recent history, the conversation to
open), for the operator it rings at and those who reach the client, and only while it rings."""

from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from iqchannels.api import workspace_calls
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	unique,
)
from iqchannels.views import monitor


class TestRingingCalls(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator(first_name="Ann")
		self.boris = make_operator(first_name="Boris")
		self.line = make_line([self.ann])
		self.phone = make_channel(self.line, channel_type="Phone").name
		message = client_writes(make_channel(self.line), unique("caller"), "About my order")
		self.client, self.conversation = message.client, message.conversation
		frappe.db.set_value("IQC Client", self.client, {"full_name": "Vera Caller", "phone": "+74951112233"})

	def call(self, operator, state="Ringing", started=None, **values):
		return frappe.get_doc(
			{
				"doctype": "IQC Call",
				"direction": "Inbound",
				"state": state,
				"client": self.client,
				"phone": "+74951112233",
				"channel": self.phone,
				"line": self.line,
				"operator": operator,
				"pbx_call_id": frappe.generate_hash(length=12),
				"started_at": started or now_datetime(),
				**values,
			}
		).insert(ignore_permissions=True)

	def test_a_ringing_call_pops_up_for_its_operator_with_the_clients_card_and_history(self):
		earlier = self.call(self.ann, "Missed", now_datetime() - timedelta(hours=2), ended_at=now_datetime())
		ringing = self.call(self.ann)
		self.call(self.boris)  # rings at someone else
		self.call(self.ann, started=now_datetime() - timedelta(hours=1))  # its end never came: stale
		frappe.set_user(self.ann)
		[popup] = workspace_calls.ringing_calls()
		self.assertEqual(
			(popup["call"], popup["state"], popup["client"]), (ringing.name, "Ringing", int(self.client))
		)
		self.assertEqual(
			(popup["card"]["full_name"], popup["card"]["phone"]), ("Vera Caller", "+74951112233")
		)
		self.assertEqual(popup["open_conversation"], int(self.conversation))
		kinds = [(item["type"], item["name"]) for item in popup["recent"]]
		self.assertIn(("call", earlier.name), kinds)
		self.assertIn(("conversation", int(self.conversation)), [(k, int(n)) for k, n in kinds])
		self.assertNotIn(("call", ringing.name), kinds, "the ringing call is the pop-up itself")

	def test_an_answered_or_ended_call_no_longer_rings(self):
		call = self.call(self.ann)
		frappe.set_user(self.ann)
		self.assertEqual([p["call"] for p in workspace_calls.ringing_calls()], [call.name])
		frappe.db.set_value("IQC Call", call.name, {"state": "Answered", "answered_at": now_datetime()})
		self.assertEqual(workspace_calls.ringing_calls(), [])

	def test_a_calls_card_is_for_those_who_reach_its_client(self):
		call = self.call(self.ann)
		frappe.set_user(self.boris)
		self.assertRefused(403, workspace_calls.call_card, call.name)
		self.assertRefused(404, workspace_calls.call_card, 10**9)
		frappe.set_user(self.ann)
		self.assertEqual(workspace_calls.call_card(call.name)["card"]["full_name"], "Vera Caller")

	def test_the_monitor_shows_who_is_on_a_call(self):
		self.call(
			self.ann,
			"Answered",
			now_datetime() - timedelta(minutes=3),
			answered_at=now_datetime() - timedelta(minutes=2),
		)
		self.call(self.boris)
		carl = make_operator(first_name="Carl")
		self.call(
			carl,
			"Answered",
			now_datetime() - timedelta(minutes=9),
			answered_at=now_datetime() - timedelta(minutes=8),
			ended_at=now_datetime(),
		)
		floor = {row.name: row for row in monitor.floor()["operators"]}
		ann, boris = floor[self.ann].call, floor[self.boris].call
		self.assertEqual((ann.state, ann.client_name), ("Answered", "Vera Caller"))
		self.assertAlmostEqual(ann.since, 120, delta=5)
		self.assertEqual(boris.state, "Ringing")
		self.assertIsNone(floor[carl].call, "his call ended")
