"""Calls from Mango Office's virtual PBX, in the event shapes its API documents (events/call,
events/summary, events/recording): answered, missed, transferred and recorded calls, events repeated and
out of order, numbers that are not numbers, and signatures that are wrong."""

import time

import frappe

from iqchannels.records.phones import normalise
from iqchannels.tests.factories import (
	IQCTestCase,
	make_line,
	make_operator,
	make_phone_channel,
	mango_event,
	set_extension,
	unique,
)

CLIENT = "79151112233"
LINE_NUMBER = "74951234567"


def call_event(entry, leg, seq, state, at, caller, called, location="abonent", **extra):
	"""One events/call notification, as Mango Office posts it."""
	return {
		"entry_id": entry,
		"call_id": leg,
		"timestamp": at,
		"seq": seq,
		"call_state": state,
		"location": location,
		"from": caller,
		"to": called,
		**extra,
	}


def summary(entry, direction, at, talk, end, result, caller, called, reason=1100):
	return {
		"entry_id": entry,
		"call_direction": direction,
		"from": caller,
		"to": called,
		"line_number": LINE_NUMBER,
		"create_time": at,
		"forward_time": at + 2,
		"talk_time": talk,
		"end_time": end,
		"entry_result": result,
		"disconnect_reason": reason,
	}


class CallsCase(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.operator = make_operator("Active")
		self.other = make_operator("Active")
		self.line = make_line([self.operator, self.other])
		self.channel = self.make_test_channel()
		self.ext = set_extension(self.operator, unique("1")[:8])
		self.other_ext = set_extension(self.other, unique("2")[:8])
		self.t0 = int(time.time()) - 300
		self.entry = unique("entry")
		frappe.local._realtime_log = []

	def make_test_channel(self):
		return make_phone_channel(self.line)

	def post(self, kind, payload, **kwargs):
		return mango_event(self.channel, kind, payload, **kwargs)

	def calls(self):
		return frappe.get_all("IQC Call", filters={"channel": self.channel.name}, fields=["*"])

	def only_call(self):
		found = self.calls()
		self.assertEqual(len(found), 1, "one call, never two")
		return found[0]

	def inbound(self, leg, seq, state, at, ext=None, location="abonent", **extra):
		called = {"number": "sip:op@vpbx.mangosip.ru", "line_number": LINE_NUMBER}
		if ext:
			called["extension"] = ext
		return call_event(
			self.entry, leg, seq, state, self.t0 + at, {"number": CLIENT}, called, location, **extra
		)

	def events_to(self, user):
		return [
			payload
			for event, payload, room in frappe.local._realtime_log
			if room == f"user:{user}" and event == "iqchannels:call"
		]


class TestMangoCalls(CallsCase):
	def test_answered_call_through_the_voice_menu(self):
		self.post("events/call", self.inbound("ivr", 1, "Appeared", 0, location="ivr"))
		self.post(
			"events/call", self.inbound("ivr", 2, "Disconnected", 4, location="ivr", disconnect_reason=1100)
		)
		self.post("events/call", self.inbound("op", 1, "Appeared", 4, self.ext))
		ringing = self.only_call()
		self.assertEqual(
			(ringing.state, ringing.operator, ringing.direction), ("Ringing", self.operator, "Inbound")
		)
		self.assertEqual(ringing.phone_e164, "+79151112233")
		client = frappe.get_doc("IQC Client", ringing.client)
		self.assertEqual(client.phone, "+79151112233", "an unknown number makes a client")
		self.assertEqual(
			self.events_to(self.operator)[-1]["state"], "Ringing", "the call pops up for its operator"
		)
		self.post("events/call", self.inbound("op", 2, "Connected", 12, self.ext))
		self.post("events/call", self.inbound("op", 3, "Disconnected", 72, self.ext, disconnect_reason=1110))
		self.post(
			"events/summary",
			summary(
				self.entry,
				1,
				self.t0,
				self.t0 + 12,
				self.t0 + 72,
				1,
				{"number": CLIENT},
				{"extension": self.ext},
			),
		)
		call = self.only_call()
		self.assertEqual((call.state, call.wait_seconds, call.talk_seconds), ("Answered", 12, 60))
		self.assertEqual(call.line, self.line)
		self.assertEqual(self.count("IQC Conversation", client=call.client, kind="Callback"), 0)
		self.assertEqual(self.events_to(self.operator)[-1]["ended_at"], str(call.ended_at))

	def test_a_known_number_finds_its_client_however_it_was_written(self):
		known = frappe.get_doc(
			{"doctype": "IQC Client", "full_name": "Ivan", "phone": "8 (915) 111-22-33"}
		).insert()
		self.post("events/call", self.inbound("op", 1, "Appeared", 0, self.ext))
		self.assertEqual(self.only_call().client, str(known.name))
		second = unique("entry")
		self.post(
			"events/call",
			call_event(
				second,
				"x",
				1,
				"Appeared",
				self.t0 + 100,
				{"number": "+7 915 111 22 33"},
				{"extension": self.ext},
			),
		)
		self.assertEqual({c.client for c in self.calls()}, {str(known.name)}, "one client for both calls")

	def test_missed_call_becomes_a_callback_request(self):
		self.post("events/call", self.inbound("op", 1, "Appeared", 0, self.ext))
		self.post("events/call", self.inbound("op", 2, "Disconnected", 25, self.ext, disconnect_reason=1110))
		call = self.only_call()
		self.assertEqual((call.state, call.wait_seconds, call.talk_seconds), ("Missed", 25, 0))
		request = frappe.get_doc("IQC Conversation", call.conversation)
		self.assertEqual((request.kind, request.status, request.line), ("Callback", "Queued", self.line))
		self.assertEqual(request.callback_phone, "+79151112233")
		# The summary that follows changes nothing and makes no second request.
		self.post(
			"events/summary",
			summary(self.entry, 1, self.t0, 0, self.t0 + 25, 0, {"number": CLIENT}, {"extension": self.ext}),
		)
		self.assertEqual(self.count("IQC Conversation", client=call.client, kind="Callback"), 1)
		self.assertEqual(self.only_call().state, "Missed")

	def test_the_number_dialled_routes_the_call_and_its_callback(self):
		sales = make_line([self.other])
		frappe.get_doc(
			{
				"doctype": "IQC Routing Rule",
				"rule_name": unique("sales number"),
				"line": sales,
				"order": -1,
				"dialled_numbers": "+7 (495) 123-45-67\n8 800 555-35-35",
			}
		).insert()
		self.post("events/call", self.inbound("op", 1, "Appeared", 0, self.other_ext))
		self.assertEqual((self.only_call().line, self.only_call().dialled_number), (sales, LINE_NUMBER))
		self.post(
			"events/call", self.inbound("op", 2, "Disconnected", 25, self.other_ext, disconnect_reason=1110)
		)
		request = frappe.get_doc("IQC Conversation", self.only_call().conversation)
		self.assertEqual(
			(request.kind, request.line), ("Callback", sales), "the callback waits in the call's line"
		)
		other_number = call_event(
			unique("entry"),
			"leg",
			1,
			"Appeared",
			self.t0,
			{"number": "79160001122"},
			{"extension": self.ext, "line_number": "74990000000"},
		)
		self.post("events/call", other_number)
		self.assertEqual(
			frappe.db.get_value("IQC Call", {"pbx_call_id": other_number["entry_id"]}, "line"),
			self.line,
			"another number's call stays in the channel's line",
		)

	def test_transferred_call_belongs_to_the_operator_who_took_it(self):
		self.post("events/call", self.inbound("a", 1, "Appeared", 0, self.ext))
		self.post("events/call", self.inbound("a", 2, "Connected", 5, self.ext))
		self.post("events/call", self.inbound("a", 3, "OnHold", 30, self.ext))
		caller = {"number": CLIENT, "taken_from_call_id": "a"}
		called = {"extension": self.other_ext, "number": "sip:b@vpbx.mangosip.ru"}
		self.post(
			"events/call",
			call_event(self.entry, "b", 1, "Appeared", self.t0 + 31, caller, called, transfer="blind"),
		)
		self.post("events/call", self.inbound("a", 4, "Disconnected", 33, self.ext, disconnect_reason=1100))
		self.post("events/call", call_event(self.entry, "b", 2, "Connected", self.t0 + 35, caller, called))
		self.assertEqual(self.only_call().operator, self.other)
		self.post("events/call", call_event(self.entry, "b", 3, "Disconnected", self.t0 + 95, caller, called))
		call = self.only_call()
		self.assertEqual(
			(call.state, call.operator, call.talk_seconds, call.wait_seconds), ("Answered", self.other, 90, 5)
		)
		self.assertTrue(self.events_to(self.other), "the operator it went to hears of it")

	def test_repeated_and_out_of_order_events_make_one_call(self):
		late = self.inbound("op", 3, "Disconnected", 40, self.ext, disconnect_reason=1110)
		self.post("events/call", late)
		self.assertEqual(self.only_call().state, "Missed", "ended before it was heard to ring")
		modified = self.only_call().modified
		self.post("events/call", late)
		self.assertEqual(self.only_call().modified, modified, "the same event twice writes nothing")
		self.post("events/call", self.inbound("op", 2, "Connected", 10, self.ext))
		self.post("events/call", self.inbound("op", 1, "Appeared", 0, self.ext))
		call = self.only_call()
		self.assertEqual(
			(call.state, call.wait_seconds, call.talk_seconds, call.last_event_seq), ("Answered", 10, 30, 3)
		)

	def test_an_older_seq_changes_nothing(self):
		self.post("events/call", self.inbound("op", 1, "Appeared", 0, self.ext))
		self.post("events/call", self.inbound("op", 2, "Connected", 8, self.ext))
		self.post("events/call", self.inbound("op", 1, "Appeared", 0, self.ext))
		self.assertEqual((self.only_call().state, self.only_call().last_event_seq), ("Answered", 2))

	def test_a_call_between_two_extensions_is_not_a_client_call(self):
		self.post(
			"events/call",
			call_event(
				self.entry,
				"i",
				1,
				"Appeared",
				self.t0,
				{"extension": self.ext},
				{"extension": self.other_ext},
			),
		)
		self.assertEqual(self.calls(), [])

	def test_numbers_that_are_not_numbers_are_kept_and_flagged(self):
		for number in ("sip:anonymous@vpbx.mangosip.ru", "12345", "Unknown"):
			entry = unique("entry")
			self.post(
				"events/call",
				call_event(entry, "x", 1, "Appeared", self.t0, {"number": number}, {"extension": self.ext}),
			)
			self.post(
				"events/call",
				call_event(
					entry, "x", 2, "Disconnected", self.t0 + 9, {"number": number}, {"extension": self.ext}
				),
			)
			call = frappe.get_all("IQC Call", filters={"pbx_call_id": entry}, fields=["*"])[0]
			self.assertEqual((call.phone, call.phone_e164, call.phone_unparsed), (number, None, 1))
			self.assertEqual((call.state, call.client, call.conversation), ("Missed", None, None))
		self.assertEqual(normalise("8 915 111-22-33").e164, "+79151112233")
		self.assertEqual(normalise("0441234567", "UA").e164, "+380441234567")
		self.assertTrue(normalise("++--").unparsed)

	def test_recording_ready_is_kept_on_the_call(self):
		self.post("events/call", self.inbound("op", 1, "Appeared", 0, self.ext))
		recording = {
			"recording_id": "rec-" + self.entry,
			"seq": 1,
			"call_id": "op",
			"entry_id": self.entry,
			"extension": self.ext,
			"timestamp": self.t0 + 5,
		}
		self.post("events/recording", {**recording, "recording_state": "Started"})
		self.assertIsNone(self.only_call().recording_id, "not before the recording is complete")
		self.post(
			"events/recording",
			{
				**recording,
				"seq": 2,
				"recording_state": "Completed",
				"completion_code": 1000,
				"recipient": "Cloud",
			},
		)
		self.assertEqual(self.only_call().recording_id, "rec-" + self.entry)

	def test_other_notifications_are_taken_and_left_aside(self):
		answer = self.post("result/callback", {"command_id": "x", "result": 1000})
		self.assertEqual(answer["result"], 1000)
		self.assertEqual(self.calls(), [])


class TestMangoRefusals(CallsCase):
	def test_wrong_signature_is_refused_and_writes_nothing(self):
		payload = self.inbound("op", 1, "Appeared", 0, self.ext)
		self.assertRefused(401, self.post, "events/call", payload, salt="not-the-salt")
		self.assertRefused(401, self.post, "events/call", payload, sign="0" * 64)
		self.assertRefused(401, self.post, "events/call", payload, sign="")
		self.assertEqual(self.calls(), [])
		self.assertEqual(self.count("IQC Client", phone="+79151112233"), 0)

	def test_unknown_key_is_not_found(self):
		payload = self.inbound("op", 1, "Appeared", 0, self.ext)
		self.assertRefused(404, self.post, "events/call", payload, key="nobody's-key")
		self.assertRefused(404, self.post, "events/call", payload, key="")

	def test_events_that_cannot_be_read_get_400_with_the_reason(self):
		cases = [
			{**self.inbound("op", 1, "Appeared", 0, self.ext), "call_state": "Exploded"},
			{**self.inbound("op", 1, "Appeared", 0, self.ext), "entry_id": ""},
			{**self.inbound("op", 1, "Appeared", 0, self.ext), "timestamp": "yesterday"},
			{**self.inbound("op", 1, "Appeared", 0, self.ext), "timestamp": 10**30},
			{**self.inbound("op", 1, "Appeared", 0, self.ext), "seq": "9" * 5000},
			{**self.inbound("op", 1, "Appeared", 0, self.ext), "seq": 2**40},
			{**self.inbound("op", 1, "Appeared", 0, self.ext), "seq": "first"},
			{**self.inbound("op", 1, "Appeared", 0, self.ext), "from": "79151112233"},
		]
		for payload in cases:
			error = self.assertRefused(400, self.post, "events/call", payload)
			self.assertNotIn("Traceback", str(error))
		self.assertRefused(400, self.post, "events/summary", {"entry_id": self.entry, "call_direction": 7})
		self.assertEqual(self.calls(), [])

	def test_a_disabled_channel_takes_no_calls(self):
		frappe.db.set_value("IQC Channel", self.channel.name, "enabled", 0)
		frappe.clear_document_cache("IQC Channel", self.channel.name)
		self.assertRefused(403, self.post, "events/call", self.inbound("op", 1, "Appeared", 0, self.ext))
