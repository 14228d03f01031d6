"""Callback requests on a real site: a missed call queues a request that the distribution gives out once
it is due; an operator on a call has a slot less when calls take slots;
outcomes, retries up to the channel's limit, and every refusal (nothing written)."""

from datetime import timedelta

import frappe
from frappe.utils import get_datetime, now_datetime

from iqchannels.api import callbacks as api
from iqchannels.flows import callbacks, distribution
from iqchannels.records import wakeups
from iqchannels.records.callbacks import CALLED_BACK, NOT_REACHED, WRONG_NUMBER_RESULT
from iqchannels.records.clients import client_for_identity
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	make_supervisor,
	unique,
)
from iqchannels.tests.mango_standin import DEFAULT_KEY, DEFAULT_SALT, MangoStandin

NUMBER = "+79161234567"


class TestCallbacks(IQCTestCase):
	def setUp(self):
		super().setUp()
		frappe.db.set_single_value("IQC Settings", "calls_take_slots", 0)
		self.ann = make_operator(first_name="Ann", status="Active", slots=1)
		self.bob = make_operator(first_name="Bob", status="Offline", slots=1)
		self.line = make_line([self.ann, self.bob])
		self.phone = make_channel(
			self.line, "Phone", callback_max_attempts=2, callback_retry_minutes=30, csat_text="Rate us"
		)
		self.client = frappe.get_doc("IQC Client", self.make_client(NUMBER))
		# Saving the line asked for a run: from here on only what the tests do asks.
		wakeups.forget_pending()

	def tearDown(self):
		super().tearDown()
		# A distribution run commits, so the setting a test turned on may have outlived the rollback:
		# the site goes back to the default, and the setting's cached copy goes too.
		frappe.db.set_single_value("IQC Settings", "calls_take_slots", 0)
		frappe.db.commit()
		frappe.clear_document_cache("IQC Settings", "IQC Settings")

	def make_client(self, phone=None):
		client = client_for_identity(self.phone, unique("caller"), {"full_name": "Caller"})
		frappe.db.set_value("IQC Client", client, "phone", phone)
		return client

	def missed_call(self, minutes_ago=2, client=None):
		started = now_datetime() - timedelta(minutes=minutes_ago)
		return frappe.get_doc(
			{
				"doctype": "IQC Call",
				"direction": "Inbound",
				"state": "Missed",
				"client": (client or self.client).name,
				"phone": NUMBER,
				"phone_e164": NUMBER,
				"channel": self.phone.name,
				"line": self.line,
				"pbx_call_id": unique("pbx"),
				"started_at": started,
				"ended_at": started + timedelta(seconds=20),
			}
		).insert(ignore_permissions=True)

	def call_of(self, operator, state="Answered", conversation=None):
		return frappe.get_doc(
			{
				"doctype": "IQC Call",
				"direction": "Inbound",
				"state": state,
				"client": self.make_client(),
				"phone": "+79160000000",
				"channel": self.phone.name,
				"line": self.line,
				"operator": operator,
				"pbx_call_id": unique("pbx"),
				"started_at": now_datetime() - timedelta(minutes=1),
				"conversation": conversation,
			}
		).insert(ignore_permissions=True)

	def request(self, **kwargs):
		call = kwargs.pop("call", None) or self.missed_call()
		name = callbacks.request_callback(self.client, self.phone, NUMBER, call=call.name, **kwargs)
		return frappe.get_doc("IQC Conversation", name), call

	def texts(self, conversation):
		return frappe.get_all(
			"IQC Message", filters={"conversation": str(conversation)}, pluck="text", order_by="name asc"
		)

	def held_by_ann(self):
		request, _call = self.request()
		distribution.distribute_line(self.line)
		request.reload()
		self.assertEqual((request.status, request.operator), ("Open", self.ann))
		return request

	# --- a missed call becomes a request, given out once it is due ---------------------------

	def test_a_missed_call_becomes_a_request_given_to_the_active_operator_with_room(self):
		carl = make_operator(first_name="Carl", status="Break", slots=3)
		frappe.get_doc("IQC Line", self.line).append("members", {"operator": carl}).save(
			ignore_permissions=True
		)
		request, call = self.request()
		self.assertEqual(
			(request.kind, request.status, request.callback_phone), ("Callback", "Queued", NUMBER)
		)
		self.assertEqual(request.line, self.line)
		self.assertLessEqual(get_datetime(request.callback_due_at), now_datetime())
		self.assertEqual(frappe.db.get_value("IQC Call", call.name, "conversation"), str(request.name))
		[why] = self.texts(request.name)
		self.assertIn(f"missed call from {NUMBER} at {call.started_at.strftime('%H:%M')}", why)
		self.assertIn(self.line, wakeups.pending_lines())
		[made] = distribution.distribute_line(self.line)
		self.assertEqual(made.operator, self.ann)
		self.assertEqual(frappe.db.get_value("IQC Conversation", request.name, "operator"), self.ann)

	def test_a_request_waits_for_its_due_time_and_the_sweep_gives_it_out_then(self):
		request, _call = self.request(due_at=now_datetime() + timedelta(minutes=20))
		self.assertNotIn(self.line, wakeups.pending_lines())
		self.assertIn("Preferred time", self.texts(request.name)[-1])
		distribution.sweep()
		self.assertNotIn(self.line, wakeups.pending_lines())
		self.assertEqual(distribution.distribute_line(self.line), [])
		self.assertEqual(frappe.db.get_value("IQC Conversation", request.name, "status"), "Queued")
		# Twenty minutes later:
		frappe.db.set_value(
			"IQC Conversation", request.name, "callback_due_at", now_datetime() - timedelta(seconds=1)
		)
		distribution.sweep()
		self.assertIn(self.line, wakeups.pending_lines())
		[made] = distribution.distribute_line(self.line)
		self.assertEqual((made.conversation, made.operator), (request.name, self.ann))

	def test_a_chat_is_not_kept_waiting_behind_a_request_not_yet_due(self):
		request, _call = self.request(due_at=now_datetime() + timedelta(hours=1))
		chat = frappe.get_doc(
			"IQC Conversation", client_writes(make_channel(self.line), unique("c")).conversation
		)
		[made] = distribution.distribute_line(self.line)
		self.assertEqual((made.conversation, made.operator), (chat.name, self.ann))
		self.assertEqual(frappe.db.get_value("IQC Conversation", request.name, "status"), "Queued")

	def test_another_missed_call_adds_to_the_open_request(self):
		first, _call = self.request()
		second, call = self.request(call=self.missed_call(minutes_ago=1))
		self.assertEqual(first.name, second.name)
		self.assertEqual(self.count("IQC Conversation", client=str(self.client.name), kind="Callback"), 1)
		self.assertEqual(frappe.db.get_value("IQC Call", call.name, "conversation"), str(first.name))
		self.assertIn(f"Another missed call from {NUMBER}", self.texts(first.name)[-1])
		# Once closed, the next missed call makes a new request.
		distribution.distribute_line(self.line)
		callbacks.record_outcome(frappe.get_doc("IQC Conversation", first.name), "Reached", by=self.ann)
		third, _call = self.request()
		self.assertNotEqual(third.name, first.name)

	def test_a_client_without_a_number_is_refused_and_nothing_is_written(self):
		client = frappe.get_doc("IQC Client", self.make_client())
		before = self.count("IQC Conversation", kind="Callback")
		self.assertRefused(400, callbacks.request_callback, client, self.phone, None)
		self.assertRefused(400, callbacks.request_callback, client, self.phone, "   ")
		self.assertEqual(self.count("IQC Conversation", kind="Callback"), before)

	# --- calls take slots ----------------------------------------------------------------------

	def test_an_operator_on_a_call_has_a_slot_less_when_calls_take_slots(self):
		frappe.db.set_single_value("IQC Settings", "calls_take_slots", 1)
		call = self.call_of(self.ann)
		request, _call = self.request()
		self.assertEqual(distribution.distribute_line(self.line), [])
		self.assertEqual(frappe.db.get_value("IQC Conversation", request.name, "status"), "Queued")
		# The call ends: the slot is free and the line is distributed again.
		frappe.db.set_value("IQC Call", call.name, "ended_at", now_datetime())
		wakeups.forget_pending()
		callbacks.call_ended(self.ann)
		self.assertIn(self.line, wakeups.pending_lines())
		[made] = distribution.distribute_line(self.line)
		self.assertEqual(made.operator, self.ann)

	def test_a_call_takes_no_slot_when_the_setting_is_off_or_it_rings_elsewhere(self):
		self.call_of(self.ann)
		self.call_of(self.bob, state="Ringing")
		request, _call = self.request()
		[made] = distribution.distribute_line(self.line)
		self.assertEqual((made.conversation, made.operator), (request.name, self.ann))

	def test_the_call_of_a_held_request_does_not_count_twice(self):
		frappe.db.set_single_value("IQC Settings", "calls_take_slots", 1)
		frappe.db.set_value("IQC Operator", self.ann, "slots", 2)
		request = self.held_by_ann()
		self.call_of(self.ann, conversation=request.name)
		chat = client_writes(make_channel(self.line), unique("c")).conversation
		[made] = distribution.distribute_line(self.line)
		self.assertEqual((made.conversation, made.operator), (chat, self.ann))

	# --- outcomes ------------------------------------------------------------------------------

	def test_reached_closes_with_its_result_and_no_closing_texts(self):
		request = self.held_by_ann()
		frappe.set_user(self.ann)
		answer = api.record_outcome(request.name, "Reached", "Will pay tomorrow")
		self.assertEqual((answer["status"], answer["result"], answer["attempts"]), ("Closed", CALLED_BACK, 1))
		texts = self.texts(request.name)
		self.assertIn("Will pay tomorrow", texts[-2])
		self.assertNotIn("Rate us", texts)
		self.assertEqual(self.count("IQC Message", conversation=str(request.name), author_type="Bot"), 0)

	def test_wrong_number_closes(self):
		request = self.held_by_ann()
		frappe.set_user(self.ann)
		self.assertEqual(api.record_outcome(request.name, "Wrong number")["result"], WRONG_NUMBER_RESULT)

	def test_no_answer_retries_after_the_channels_minutes_up_to_its_limit(self):
		request = self.held_by_ann()
		frappe.set_user(self.ann)
		answer = api.record_outcome(request.name, "No answer")
		self.assertEqual((answer["status"], answer["attempts"]), ("Queued", 1))
		request.reload()
		self.assertIsNone(request.operator)
		due = get_datetime(request.callback_due_at)
		self.assertAlmostEqual((due - now_datetime()).total_seconds(), 30 * 60, delta=60)
		frappe.set_user("Administrator")
		# The slot it left is free, but the request is not due again yet.
		self.assertEqual(distribution.distribute_line(self.line), [])
		frappe.db.set_value("IQC Conversation", request.name, "callback_due_at", now_datetime())
		[made] = distribution.distribute_line(self.line)
		self.assertEqual(made.operator, self.ann)
		frappe.set_user(self.ann)
		answer = api.record_outcome(request.name, "No answer")
		self.assertEqual((answer["status"], answer["result"], answer["attempts"]), ("Closed", NOT_REACHED, 2))

	# --- refusals: nothing written -------------------------------------------------------------

	def test_outcomes_refused_to_others_and_for_bad_input(self):
		request = self.held_by_ann()
		messages = self.count("IQC Message", conversation=str(request.name))
		frappe.set_user(self.bob)
		self.assertRefused(403, api.record_outcome, request.name, "Reached")
		self.assertRefused(403, api.call_back, request.name)
		frappe.set_user(self.ann)
		self.assertRefused(400, api.record_outcome, request.name, "Maybe")
		self.assertRefused(400, api.record_outcome, request.name, "Reached", "x" * 1001)
		chat = client_writes(make_channel(self.line), unique("c")).conversation
		frappe.set_user("Administrator")
		frappe.db.set_value("IQC Conversation", chat, {"status": "Open", "operator": self.ann})
		frappe.set_user(self.ann)
		self.assertRefused(400, api.record_outcome, chat, "Reached")
		self.assertRefused(400, api.call_back, chat)
		self.assertEqual(self.count("IQC Message", conversation=str(request.name)), messages)
		self.assertEqual(frappe.db.get_value("IQC Conversation", request.name, "status"), "Open")
		self.assertEqual(frappe.db.get_value("IQC Conversation", request.name, "callback_attempts"), 0)

	def test_a_queued_request_is_taken_before_its_outcome(self):
		request, _call = self.request()
		frappe.set_user(make_supervisor())
		self.assertRefused(409, api.record_outcome, request.name, "Reached")
		self.assertRefused(409, api.call_back, request.name)

	def test_calling_back_refused_past_the_limit_or_without_a_number(self):
		request = self.held_by_ann()
		messages = self.count("IQC Message", conversation=str(request.name))
		frappe.db.set_value("IQC Conversation", request.name, "callback_attempts", 2)
		frappe.set_user(self.ann)
		error = self.assertRefused(409, api.call_back, request.name)
		self.assertIn("2 times", str(error))
		frappe.db.set_value(
			"IQC Conversation", request.name, {"callback_attempts": 0, "callback_phone": None}
		)
		frappe.db.set_value("IQC Client", self.client.name, "phone", None)
		self.assertRefused(400, api.call_back, request.name)
		self.assertEqual(self.count("IQC Message", conversation=str(request.name)), messages)

	def test_a_clients_requests_for_those_who_see_the_client(self):
		request, _call = self.request()
		frappe.set_user(self.ann)
		[row] = api.client_requests(self.client.name)
		self.assertEqual((row.name, row.callback_phone, row.status), (request.name, NUMBER, "Queued"))
		frappe.set_user(make_operator(first_name="Stranger"))
		self.assertRefused(403, api.client_requests, self.client.name)


class TestCallingBack(IQCTestCase):
	"""Call back rings the operator's extension, then the client's number, through the PBX's API (the
	local stand-in of Mango Office's)."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.standin = MangoStandin()
		cls.base_url = cls.standin.start()

	@classmethod
	def tearDownClass(cls):
		cls.standin.stop()
		super().tearDownClass()

	def setUp(self):
		super().setUp()
		self.standin.reset()
		self.ann = make_operator(first_name="Ann", status="Active", slots=2)
		frappe.db.set_value("IQC Operator", self.ann, "phone_extension", "101")
		self.line = make_line([self.ann])
		self.phone = make_channel(
			self.line,
			"Phone",
			pbx_type="Mango Office",
			pbx_api_key=DEFAULT_KEY,
			secret=DEFAULT_SALT,
			api_base_url=self.base_url,
			callback_max_attempts=2,
		)
		client = client_for_identity(self.phone, unique("caller"), {"full_name": "Caller"})
		frappe.db.set_value("IQC Client", client, "phone", NUMBER)
		name = callbacks.request_callback(client, self.phone.name, NUMBER)
		distribution.distribute_line(self.line)
		self.request = frappe.get_doc("IQC Conversation", name)
		self.assertEqual(self.request.operator, self.ann)

	def test_the_operator_holding_the_request_calls_the_client_back(self):
		frappe.set_user(self.ann)
		answer = api.call_back(self.request.name)
		[command] = self.standin.commands("commands/callback")
		self.assertEqual((command["from"]["extension"], command["to_number"]), ("101", NUMBER.lstrip("+")))
		call = frappe.get_doc("IQC Call", answer["call"])
		self.assertEqual((call.direction, call.operator, call.phone_e164), ("Outbound", self.ann, NUMBER))
		self.assertEqual(str(call.conversation), str(self.request.name))
		frappe.set_user("Administrator")
		last = frappe.get_all(
			"IQC Message",
			filters={"conversation": str(self.request.name)},
			pluck="text",
			order_by="name desc",
		)[0]
		self.assertIn(f"calling back {NUMBER}: attempt 1 of 2", last)
		# No answer twice: the limit of the channel closes it, and no call goes out after that.
		frappe.set_user(self.ann)
		api.record_outcome(self.request.name, "No answer")
		frappe.set_user("Administrator")
		frappe.db.set_value("IQC Conversation", self.request.name, "callback_due_at", now_datetime())
		distribution.distribute_line(self.line)
		frappe.set_user(self.ann)
		api.call_back(self.request.name)
		self.assertEqual(api.record_outcome(self.request.name, "No answer")["result"], NOT_REACHED)
		self.assertRefused(409, api.call_back, self.request.name)
		self.assertEqual(len(self.standin.commands("commands/callback")), 2)
