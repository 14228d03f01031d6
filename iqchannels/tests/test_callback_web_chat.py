"""The web chat's "call me back" on a real site: the visitor's request joins the queue of the chat's line
on its phone channel, at the time they chose, read in the site's time; bad numbers and times are refused
with nothing written, in process and through Frappe's request pipeline as the browser calls it."""

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import frappe
from frappe.tests.test_api import make_request
from frappe.utils import get_datetime, get_test_client, now_datetime

from iqchannels.api import widget_callbacks
from iqchannels.channels import widget
from iqchannels.flows import distribution
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	remove_committed_floor,
)

NUMBER = "+79161234567"
API = "/api/method/iqchannels.api.widget_callbacks."


class TestWebChatCallback(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator(first_name="Ann", status="Active", slots=3)
		self.line = make_line([self.ann])
		self.chat = make_channel(self.line, "Web widget")
		self.phone = make_channel(self.line, "Phone")
		self.visitor = widget.new_anonymous_id()
		self.token = widget.token_for(self.chat, self.visitor)
		frappe.set_user("Guest")

	def ask(self, phone="+7 916 123-45-67", preferred_at=None):
		return widget_callbacks.request(self.chat.name, self.token, phone, preferred_at)

	def test_the_visitor_is_called_back_at_the_time_they_chose(self):
		self.assertEqual(
			widget_callbacks.options(self.chat.name, self.token), {"available": True, "request": None}
		)
		at = (now_datetime() + timedelta(hours=2)).replace(microsecond=0)
		answer = self.ask(preferred_at=at.isoformat())
		self.assertEqual(frappe.local.response.http_status_code, 201)
		self.assertEqual(answer["phone"], NUMBER)
		self.assertEqual(widget_callbacks.with_zone(at), answer["due_at"])
		self.assertEqual(get_datetime(answer["due_at"]).replace(tzinfo=None), at)
		frappe.set_user("Administrator")
		request = frappe.get_doc("IQC Conversation", answer["request"])
		self.assertEqual(
			(request.kind, request.channel, request.line), ("Callback", self.phone.name, self.line)
		)
		self.assertEqual(get_datetime(request.callback_due_at), at)
		self.assertEqual(frappe.db.get_value("IQC Client", request.client, "phone"), NUMBER)
		texts = frappe.get_all(
			"IQC Message", filters={"conversation": str(request.name)}, pluck="text", order_by="name"
		)
		self.assertIn("asked via web chat", texts[0])
		self.assertIn(at.strftime("%H:%M"), texts[1])
		self.assertEqual(distribution.distribute_line(self.line), [])
		frappe.set_user("Guest")
		self.assertEqual(widget_callbacks.options(self.chat.name, self.token)["request"]["phone"], NUMBER)
		# The visitor's next message is a chat of its own, not part of the request.
		frappe.set_user("Administrator")
		message = client_writes(self.chat, self.visitor, "Hello again")
		self.assertNotEqual(str(message.conversation), str(request.name))
		self.assertEqual(frappe.db.get_value("IQC Conversation", message.conversation, "kind"), "Chat")

	def test_a_time_with_a_zone_is_read_in_the_sites_time(self):
		at = now_datetime().replace(microsecond=0) + timedelta(hours=3)
		zone = frappe.utils.get_system_timezone()
		utc = at.replace(tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))
		due = get_datetime(self.ask(preferred_at=utc.strftime("%Y-%m-%dT%H:%M:%SZ"))["due_at"])
		self.assertEqual(due.replace(tzinfo=None), at)
		self.assertEqual(due.astimezone(ZoneInfo("UTC")), utc)

	def test_bad_numbers_and_times_are_refused_and_nothing_is_written(self):
		before = (self.count("IQC Conversation", kind="Callback"), self.count("IQC Client"))
		for phone in ("", "12", "call me", "+7 916 123"):
			self.assertRefused(400, self.ask, phone)
		self.assertRefused(400, self.ask, preferred_at="yesterday-ish")
		self.assertRefused(400, self.ask, preferred_at=str(now_datetime() - timedelta(hours=1)))
		self.assertRefused(400, self.ask, preferred_at=str(now_datetime() + timedelta(days=45)))
		self.assertRefused(401, widget_callbacks.request, self.chat.name, self.token + "x", NUMBER)
		self.assertEqual((self.count("IQC Conversation", kind="Callback"), self.count("IQC Client")), before)


class TestWebChatCallbackRequests(IQCTestCase):
	"""As the visitor's browser calls it: a guest's JSON POST, answered 201, 400 or 429."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.operator = make_operator(status="Active", slots=5)
		cls.line = make_line([cls.operator])
		cls.chat = make_channel(cls.line, "Web widget")
		cls.phone = make_channel(cls.line, "Phone")
		# Requests run on their own connection: they must see what the test made.
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		remove_committed_floor([cls.chat.name, cls.phone.name], cls.line)
		super().tearDownClass()

	def setUp(self):
		super().setUp()
		frappe.cache.delete_keys("rl:")
		self.token = widget.token_for(self.chat, widget.new_anonymous_id())

	def post(self, method: str, **args):
		response = make_request(
			target=get_test_client().post,
			args=(API + method,),
			kwargs={
				"data": json.dumps({"channel": self.chat.name, "token": self.token, **args}),
				"headers": {"Content-Type": "application/json"},
			},
		)
		frappe.db.commit()
		return response

	def requests_of_line(self) -> int:
		return self.count("IQC Conversation", line=self.line, kind="Callback")

	def test_a_visitor_asks_and_bad_input_is_refused(self):
		self.assertEqual(self.post("options").json["message"], {"available": True, "request": None})
		before = self.requests_of_line()
		for phone, status in (("not a number", 400), ("", 400), (12345, 400)):
			response = self.post("request", phone=phone)
			self.assertEqual(response.status_code, status, response.text[:300])
		self.assertEqual(self.requests_of_line(), before)
		response = self.post("request", phone="8 (916) 123-45-67")
		self.assertEqual(response.status_code, 201, response.text[:300])
		self.assertEqual(response.json["message"]["phone"], NUMBER)
		self.assertEqual(self.requests_of_line(), before + 1)
		# Asking again joins the same request.
		again = self.post("request", phone=NUMBER)
		self.assertEqual(again.json["message"]["request"], response.json["message"]["request"])
		self.assertEqual(self.requests_of_line(), before + 1)
		self.assertEqual(self.post("options").json["message"]["request"]["phone"], NUMBER)

	def test_a_visitor_asks_at_most_five_times_a_minute(self):
		before = self.requests_of_line()
		answers = [self.post("request", phone="x").status_code for _ in range(6)]
		self.assertEqual(answers, [400] * 5 + [429])
		self.assertEqual(self.requests_of_line(), before)
