"""Two-level lines through the APIs the desk and the workspace call: a line's second line (no loops),
"To the second line" and "Back to the first line" with a comment, and what is refused."""

import frappe
from frappe.client import set_value

from iqchannels.api import lines as api
from iqchannels.api import operator
from iqchannels.flows import distribution
from iqchannels.tests.factories import IQCTestCase, client_writes, make_channel, make_line, make_operator


class TestSecondLine(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator(first_name="Ann", status="Active")
		self.bob = make_operator(first_name="Bob", status="Active")
		self.first = make_line([self.ann])
		self.second = make_line([self.bob])
		set_value("IQC Line", self.first, "second_line", self.second)
		self.channel = make_channel(self.first)
		self.conversation = client_writes(self.channel, "two-levels", "My invoice is wrong").conversation
		distribution.distribute_line(self.first)
		self.assertEqual(self.state(), ("Open", self.first, self.ann))

	def state(self):
		return tuple(
			frappe.db.get_value("IQC Conversation", self.conversation, ["status", "line", "operator"])
		)

	def as_user(self, user, fn, *args, **kwargs):
		frappe.set_user(user)
		try:
			return fn(*args, **kwargs)
		finally:
			frappe.set_user("Administrator")

	def client_visible(self) -> int:
		return frappe.db.count("IQC Message", {"conversation": str(self.conversation), "internal": 0})

	def test_up_to_the_second_line_and_back_with_comments_and_history(self):
		levels = self.as_user(self.ann, api.levels, self.conversation)
		self.assertEqual((levels["second_line"], levels["first_line"]), (self.second, None))
		told_client = self.client_visible()

		answer = self.as_user(self.ann, api.to_second_line, self.conversation, "Refund needs billing rights")
		self.assertEqual((answer["status"], answer["line"]), ("Queued", self.second))
		self.assertEqual(self.state(), ("Queued", self.second, None))
		distribution.distribute_line(self.second)
		self.assertEqual(self.state(), ("Open", self.second, self.bob))

		# Bob sees where it came from, the comment and the client's first words.
		levels = self.as_user(self.bob, api.levels, self.conversation)
		self.assertEqual((levels["second_line"], levels["first_line"]), (None, self.first))
		history = self.as_user(self.bob, operator.messages, self.conversation)["messages"]
		texts = [m.text for m in history]
		self.assertIn("My invoice is wrong", texts)
		self.assertTrue(any("Refund needs billing rights" in t for t in texts))

		self.as_user(self.bob, api.back_to_first_line, self.conversation, "Refunded, please confirm")
		self.assertEqual(self.state(), ("Queued", self.first, None))
		distribution.distribute_line(self.first)
		self.assertEqual(self.state(), ("Open", self.first, self.ann))
		texts = [m.text for m in self.as_user(self.ann, operator.messages, self.conversation)["messages"]]
		self.assertTrue(any("Refunded, please confirm" in t for t in texts))
		# The moves are the colleagues' business: the client was told nothing new.
		self.assertEqual(self.client_visible(), told_client)
		# Back in the first line, nothing says it came from another first line.
		self.assertIsNone(self.as_user(self.ann, api.levels, self.conversation)["first_line"])

	def test_bad_moves_are_refused_and_change_nothing(self):
		self.assertRefused(400, self.as_user, self.ann, api.to_second_line, self.conversation, "   ")
		self.assertRefused(400, self.as_user, self.ann, api.to_second_line, self.conversation, "x" * 1001)
		self.assertRefused(403, self.as_user, self.bob, api.to_second_line, self.conversation, "mine now")
		self.assertRefused(404, self.as_user, self.ann, api.to_second_line, "999999999", "where")
		self.assertRefused(404, self.as_user, self.ann, api.to_second_line, "drop table", "where")
		# It did not come from a first line: nothing to go back to.
		self.assertRefused(409, self.as_user, self.ann, api.back_to_first_line, self.conversation, "back")
		self.assertEqual(self.state(), ("Open", self.first, self.ann))

		# A line without a second line offers no way up; a plain transfer in is no "first line".
		plain = make_line([self.ann])
		self.as_user(self.ann, operator.transfer, self.conversation, to_line=self.second, comment="direct")
		distribution.distribute_line(self.second)
		self.assertIsNone(self.as_user(self.bob, api.levels, self.conversation)["second_line"])
		self.assertRefused(409, self.as_user, self.bob, api.to_second_line, self.conversation, "up")
		self.as_user(self.bob, operator.transfer, self.conversation, to_line=plain, comment="elsewhere")
		distribution.distribute_line(plain)
		self.assertIsNone(self.as_user(self.ann, api.levels, self.conversation)["first_line"])
		self.assertRefused(409, self.as_user, self.ann, api.back_to_first_line, self.conversation, "back")

		self.as_user(self.ann, operator.close, self.conversation, result=self.any_result())
		self.assertRefused(409, self.as_user, self.ann, api.to_second_line, self.conversation, "late")

	def any_result(self) -> str:
		result = frappe.get_all("IQC Close Result", pluck="name", limit=1)
		if result:
			return result[0]
		return frappe.get_doc({"doctype": "IQC Close Result", "result_name": "Resolved"}).insert().name

	def test_a_queued_conversation_is_taken_before_it_moves(self):
		self.as_user(self.ann, api.to_second_line, self.conversation, "over to you")
		# Queued in the second line: nobody owns it, so nobody but a supervisor moves it on.
		self.assertRefused(409, self.as_user, self.bob, api.back_to_first_line, self.conversation, "no")
		frappe.set_user("Administrator")
		api.back_to_first_line(self.conversation, "supervisor sends it back")
		self.assertEqual(self.state(), ("Queued", self.first, None))

	def test_a_line_is_not_its_own_second_line_and_loops_are_refused(self):
		third = make_line([self.bob])
		self.assertRefused(400, set_value, "IQC Line", self.first, "second_line", self.first)
		self.assertRefused(400, set_value, "IQC Line", self.second, "second_line", self.first)
		set_value("IQC Line", self.second, "second_line", third)
		error = self.assertRefused(400, set_value, "IQC Line", third, "second_line", self.first)
		self.assertIn("loop", str(error))
		self.assertFalse(frappe.db.get_value("IQC Line", third, "second_line"))
		# Two first lines may share one second line.
		other_first = make_line([self.ann])
		set_value("IQC Line", other_first, "second_line", third)
		self.assertEqual(frappe.db.get_value("IQC Line", other_first, "second_line"), third)
