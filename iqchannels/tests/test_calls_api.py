"""Click-to-call through Mango Office's stand-in (which checks the command's signature), recordings played
only by those entitled (permission-checked and signed expiring links), disposition notes, and the generic
telephony API with its refusals."""

import json
import time
import urllib.parse

import frappe

from iqchannels.api import calls as calls_api
from iqchannels.records.signing import sign
from iqchannels.tests.factories import (
	generic_event,
	make_channel,
	make_line,
	make_operator,
	make_phone_channel,
	make_supervisor,
	set_extension,
	unique,
)
from iqchannels.tests.mango_standin import MangoStandin
from iqchannels.tests.test_calls import CLIENT, CallsCase, call_event, summary


def conversation_in_line(client, line) -> None:
	"""A past conversation of the client in the line: its operators may read the client."""
	channel = make_channel(line)
	frappe.get_doc(
		{
			"doctype": "IQC Conversation",
			"client": str(client),
			"channel": channel.name,
			"line": line,
			"status": "Closed",
		}
	).insert(ignore_permissions=True)


class StandinCase(CallsCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.standin = MangoStandin()
		cls.standin.start()

	@classmethod
	def tearDownClass(cls):
		cls.standin.stop()
		super().tearDownClass()

	def setUp(self):
		self.standin.reset()
		super().setUp()

	def make_test_channel(self):
		return make_phone_channel(
			self.line,
			pbx_api_key=self.standin.api_key,
			secret=self.standin.api_salt,
			api_base_url=self.standin.base_url,
		)

	def known_client(self) -> str:
		"""A client who wrote in the line (so its operators may read them), with a mobile number."""
		client = frappe.get_doc({"doctype": "IQC Client", "full_name": "Ivan", "phone": "+7 915 111-22-33"})
		client.insert(ignore_permissions=True)
		conversation_in_line(client.name, self.line)
		return str(client.name)

	def answered_call(self, recording_id=None) -> dict:
		caller, called = {"number": CLIENT}, {"extension": self.ext}
		self.post("events/call", call_event(self.entry, "op", 1, "Appeared", self.t0, caller, called))
		self.post("events/call", call_event(self.entry, "op", 2, "Connected", self.t0 + 3, caller, called))
		self.post(
			"events/call", call_event(self.entry, "op", 3, "Disconnected", self.t0 + 40, caller, called)
		)
		if recording_id:
			self.standin.add_recording(recording_id)
			recording = {
				"recording_id": recording_id,
				"recording_state": "Completed",
				"seq": 2,
				"call_id": "op",
			}
			self.post(
				"events/recording",
				{**recording, "entry_id": self.entry, "timestamp": self.t0 + 41, "completion_code": "1000"},
			)
		return self.only_call()


class TestClickToCall(StandinCase):
	def test_operator_calls_a_client_through_the_pbx(self):
		client = self.known_client()
		frappe.set_user(self.operator)
		answer = calls_api.call(client=client)
		commands = self.standin.commands("commands/callback")
		self.assertEqual(self.standin.refused, [], "the PBX found the command's signature right")
		self.assertEqual(len(commands), 1)
		self.assertEqual((commands[0]["from"], commands[0]["to_number"]), ({"extension": self.ext}, CLIENT))
		placed = self.only_call()
		self.assertEqual(
			(str(placed.name), placed.direction, placed.state), (answer["call"], "Outbound", "Ringing")
		)
		self.assertEqual(
			(placed.operator, placed.client, placed.phone_e164), (self.operator, client, "+79151112233")
		)
		# The PBX rings the operator (showing the client's number), then the client, naming the command.
		frappe.set_user("Guest")
		command = {"command_id": commands[0]["command_id"]}
		to_operator = ({"number": CLIENT}, {"extension": self.ext, "number": "sip:op@vpbx.mangosip.ru"})
		to_client = (
			{"extension": self.ext, "number": "sip:op@vpbx.mangosip.ru"},
			{"number": CLIENT, "line_number": "74951234567"},
		)
		self.post(
			"events/call", call_event(self.entry, "l1", 1, "Appeared", self.t0, *to_operator, **command)
		)
		self.post(
			"events/call", call_event(self.entry, "l1", 2, "Connected", self.t0 + 4, *to_operator, **command)
		)
		self.post(
			"events/call", call_event(self.entry, "l2", 1, "Appeared", self.t0 + 4, *to_client, **command)
		)
		self.post(
			"events/call", call_event(self.entry, "l2", 2, "Connected", self.t0 + 12, *to_client, **command)
		)
		self.post(
			"events/call",
			call_event(self.entry, "l2", 3, "Disconnected", self.t0 + 70, *to_client, **command),
		)
		self.post(
			"events/call",
			call_event(self.entry, "l1", 3, "Disconnected", self.t0 + 70, *to_operator, **command),
		)
		self.post(
			"events/summary", summary(self.entry, 2, self.t0, self.t0 + 12, self.t0 + 70, 1, *to_client)
		)
		call = self.only_call()
		self.assertEqual(
			(call.name, call.pbx_call_id, call.direction, call.state),
			(placed.name, self.entry, "Outbound", "Answered"),
		)
		self.assertEqual((call.client, call.operator, call.talk_seconds), (client, self.operator, 58))

	def test_a_number_without_a_client_makes_one(self):
		frappe.set_user(self.operator)
		name = calls_api.call(phone="8 916 000-00-01")["call"]
		call = frappe.get_doc("IQC Call", name)
		self.assertEqual(frappe.db.get_value("IQC Client", call.client, "phone"), "+79160000001")
		self.assertEqual(self.standin.commands("commands/callback")[0]["to_number"], "79160000001")

	def test_the_pbx_refusing_leaves_nothing_behind(self):
		frappe.set_user(self.operator)
		self.standin.fail_next("commands/callback", 3100)
		self.assertRefused(502, calls_api.call, phone="+7 916 000-00-02")
		frappe.set_user("Administrator")
		self.assertEqual(self.calls(), [])
		self.assertEqual(self.count("IQC Client", phone="+79160000002"), 0)

	def test_the_stand_in_refuses_a_wrong_signature(self):
		self.channel.secret = "not-the-salt"
		self.channel.save(ignore_permissions=True)
		frappe.set_user(self.operator)
		self.assertRefused(502, calls_api.call, phone="+7 916 000-00-03")
		self.assertEqual(self.standin.refused, ["commands/callback"])
		self.assertEqual(self.standin.commands("commands/callback"), [])

	def test_bad_requests(self):
		client = self.known_client()
		frappe.set_user(self.operator)
		self.assertRefused(400, calls_api.call)
		self.assertRefused(400, calls_api.call, phone="12")
		self.assertRefused(404, calls_api.call, client="999999999")
		stranger = make_operator("Active")
		set_extension(stranger, unique("9")[:8])
		frappe.set_user(stranger)
		self.assertRefused(403, calls_api.call, client=client)
		frappe.set_user("Administrator")
		frappe.db.set_value("IQC Operator", self.other, "phone_extension", None)
		frappe.set_user(self.other)
		self.assertRefused(400, calls_api.call, client=client)
		self.assertEqual(self.standin.commands("commands/callback"), [])


class TestRecordings(StandinCase):
	def test_the_operator_plays_the_recording_fetched_once_and_kept_private(self):
		call = self.answered_call("rec-" + self.entry)
		frappe.set_user(self.operator)
		calls_api.recording(call.name)
		first = frappe.local.response
		self.assertTrue(first.filecontent.startswith(b"RIFF"), "a WAV file")
		self.assertEqual((first.content_type, first.display_content_as), ("audio/wav", "inline"))
		kept = frappe.db.get_value("IQC Call", call.name, "recording_file")
		self.assertTrue(frappe.db.get_value("File", {"file_url": kept}, "is_private"))
		frappe.local.response = frappe._dict()
		calls_api.recording(call.name)
		self.assertEqual(frappe.local.response.filecontent, first.filecontent)
		self.assertEqual(len(self.standin.commands("queries/recording/post")), 1, "fetched from the PBX once")

	def test_only_entitled_people_play_it(self):
		self.standin.add_recording("r")
		call = self.answered_call("rec-" + self.entry)
		outsider = make_operator("Active")
		make_line([outsider])
		frappe.set_user(outsider)
		self.assertRefused(403, calls_api.recording, call.name)
		self.assertRefused(403, calls_api.recording_link, call.name)
		frappe.set_user(make_supervisor())
		calls_api.recording(call.name)
		self.assertTrue(frappe.local.response.filecontent)
		# A colleague in the line may once the client's conversations are theirs to read.
		frappe.set_user(self.other)
		self.assertRefused(403, calls_api.recording, call.name)
		frappe.set_user("Administrator")
		conversation_in_line(call.client, self.line)
		frappe.set_user(self.other)
		calls_api.recording(call.name)
		self.assertTrue(frappe.local.response.filecontent.startswith(b"RIFF"))

	def test_a_signed_link_plays_until_it_expires(self):
		call = self.answered_call("rec-" + self.entry)
		frappe.set_user(self.operator)
		link = calls_api.recording_link(call.name)
		query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(link["url"]).query))
		self.assertGreater(link["expires"], time.time())
		frappe.set_user("Guest")
		calls_api.play(**query)
		self.assertTrue(frappe.local.response.filecontent.startswith(b"RIFF"))
		self.assertRefused(403, calls_api.play, query["call"], query["expires"], "0" * 64)
		self.assertRefused(403, calls_api.play, query["call"], query["expires"], "é" * 64)
		self.assertRefused(403, calls_api.play, query["call"], int(time.time()) - 1, query["token"])
		self.assertRefused(403, calls_api.play, str(int(query["call"]) + 1), query["expires"], query["token"])

	def test_a_call_without_recording(self):
		call = self.answered_call()
		frappe.set_user(self.operator)
		self.assertRefused(404, calls_api.recording, call.name)
		self.assertRefused(404, calls_api.recording_link, call.name)
		self.assertRefused(404, calls_api.recording, "987654321")

	def test_disposition_notes(self):
		call = self.answered_call()
		frappe.set_user(self.operator)
		calls_api.set_disposition(call.name, "  Wants a refund; call back Friday.  ")
		self.assertEqual(
			frappe.db.get_value("IQC Call", call.name, "disposition"), "Wants a refund; call back Friday."
		)
		self.assertRefused(400, calls_api.set_disposition, call.name, "x" * 2001)
		frappe.set_user(make_supervisor())
		calls_api.set_disposition(call.name, "Checked.")
		frappe.set_user(make_operator("Active"))
		self.assertRefused(403, calls_api.set_disposition, call.name, "mine now")


class TestGenericTelephony(CallsCase):
	def make_test_channel(self):
		return make_phone_channel(self.line, "Generic")

	def event(self, **values):
		return generic_event(self.channel, {"channel": self.channel.name, "call_id": self.entry, **values})

	def test_a_call_from_any_pbx(self):
		base = {"direction": "inbound", "client_number": "+7 915 111-22-33", "extension": self.ext}
		self.event(event="ringing", seq=1, timestamp=self.t0, **base)
		self.assertEqual((self.only_call().state, self.only_call().operator), ("Ringing", self.operator))
		self.event(event="answered", seq=2, timestamp=self.t0 + 7, **base)
		self.event(event="ended", seq=3, timestamp=self.t0 + 67, result="answered", **base)
		self.event(event="recording", recording_url="https://pbx.example/rec/1.wav", timestamp=self.t0 + 68)
		call = self.only_call()
		self.assertEqual(
			(call.state, call.direction, call.wait_seconds, call.talk_seconds), ("Answered", "Inbound", 7, 60)
		)
		self.assertEqual(
			(call.phone_e164, call.recording_url), ("+79151112233", "https://pbx.example/rec/1.wav")
		)

	def test_iso_times_no_seq_and_a_busy_outbound_call(self):
		start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.t0))
		end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.t0 + 5))
		base = {"direction": "outbound", "client_number": "+380441234567", "extension": self.ext}
		self.event(event="ended", timestamp=end, result="busy", **base)
		self.event(event="ringing", timestamp=start, **base)
		self.event(event="ringing", timestamp=start, **base)
		call = self.only_call()
		self.assertEqual(
			(call.state, call.direction, call.wait_seconds, call.phone_e164),
			("Busy", "Outbound", 5, "+380441234567"),
		)

	def test_missed_call_from_any_pbx_becomes_a_callback_request(self):
		base = {"direction": "inbound", "client_number": "89151112233", "extension": self.ext}
		self.event(event="ringing", timestamp=self.t0, **base)
		self.event(event="ended", timestamp=self.t0 + 20, result="no_answer", **base)
		call = self.only_call()
		self.assertEqual(call.state, "Missed")
		self.assertEqual(frappe.db.get_value("IQC Conversation", call.conversation, "kind"), "Callback")

	def test_refusals(self):
		payload = {
			"channel": self.channel.name,
			"call_id": self.entry,
			"event": "ringing",
			"client_number": CLIENT,
		}
		self.assertRefused(401, generic_event, self.channel, payload, secret="wrong")
		self.assertRefused(401, generic_event, self.channel, payload, signature="")
		self.assertRefused(404, generic_event, self.channel, {**payload, "channel": "No such channel"})
		mango = make_phone_channel(self.line)
		self.assertRefused(400, generic_event, mango, {**payload, "channel": mango.name})
		for bad in (
			{"event": "exploded"},
			{"call_id": ""},
			{"timestamp": "yesterday"},
			{"direction": "sideways"},
			{"event": "ended", "result": "perhaps"},
			{"event": "recording", "recording_url": "file:///etc/passwd"},
			{"seq": "one"},
		):
			self.assertRefused(400, generic_event, self.channel, {**payload, **bad})
		self.assertRefused(400, generic_event, self.channel, b"not json")
		body = json.dumps([payload]).encode()
		self.assertRefused(
			400, generic_event, self.channel, body, signature=sign(self.channel.get_password("secret"), body)
		)
		self.assertEqual(self.calls(), [])
