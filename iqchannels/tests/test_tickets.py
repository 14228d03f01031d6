"""Tickets through the APIs the workspace and the client's side call: opened from a chat, worked,
handed over, postponed, resolved, seen by whom they concern, and every refusal with nothing written."""

from datetime import timedelta

import frappe
from frappe.utils import add_to_date, now_datetime

from iqchannels.api import operator as operator_api
from iqchannels.api import tickets as api
from iqchannels.api import widget as widget_api
from iqchannels.channels import widget
from iqchannels.flows import distribution
from iqchannels.flows.tickets import bring_back_postponed
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	make_supervisor,
	make_ticket_type,
	signed_inbound,
)


class TicketTestCase(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator(first_name="Ann", status="Active", slots=3)
		self.bob = make_operator(first_name="Bob", status="Away", slots=3)
		self.line = make_line([self.ann, self.bob])
		self.channel = make_channel(self.line)
		self.incident = make_ticket_type("Incident", hours=8)
		self.conversation = client_writes(self.channel, "t-1", "I was charged twice").conversation
		distribution.distribute_line(self.line)
		self.assertEqual(frappe.db.get_value("IQC Conversation", self.conversation, "operator"), self.ann)
		self.client = frappe.db.get_value("IQC Conversation", self.conversation, "client")
		frappe.set_user(self.ann)

	def open_ticket(self, **fields):
		values = {"subject": "Refund the double charge", "ticket_type": self.incident, "priority": "High"}
		values.update(fields)
		return api.close_and_open(self.conversation, "Resolved", **values)["ticket"]

	def client_sees(self) -> list[str]:
		page = signed_inbound(
			self.channel, {"channel": self.channel.name, "client": {"id": "t-1"}}, method="history"
		)
		return [m["text"] for m in page["messages"]]


class TestOpeningAndWorking(TicketTestCase):
	def test_close_and_open_closes_the_chat_and_opens_a_ticket_the_client_is_told_of(self):
		ticket = self.open_ticket()
		self.assertEqual(frappe.db.get_value("IQC Conversation", self.conversation, "status"), "Closed")
		self.assertEqual(ticket.status, "Open")
		self.assertEqual(ticket.assignee, self.ann)
		self.assertEqual(str(ticket.conversation), str(self.conversation))
		self.assertEqual(ticket.line, self.line)
		# High priority: half the type's 8 hours.
		opened = frappe.db.get_value("IQC Ticket", ticket.name, "opened_at")
		self.assertEqual(ticket.due_by - opened, timedelta(hours=4))
		self.assertTrue(
			frappe.db.exists(
				"ToDo",
				{
					"reference_type": "IQC Ticket",
					"reference_name": str(ticket.name),
					"allocated_to": self.ann,
					"status": "Open",
				},
			),
			"the ticket is in Ann's ToDo list",
		)
		self.assertIn(
			f"We have opened ticket #{ticket.name} for your request: Refund the double charge",
			self.client_sees(),
		)
		listed = api.tickets(view="mine")
		self.assertEqual([t.name for t in listed["tickets"]], [ticket.name])
		self.assertEqual(listed["counters"]["mine"], 1)
		self.assertEqual(api.client_tickets(self.client)["open"][0].name, ticket.name)

	def test_the_ticket_works_through_its_statuses_and_its_events_join_the_history(self):
		ticket = self.open_ticket()
		api.act(ticket.name, "start")
		api.act(ticket.name, "wait")
		frappe.set_user("Administrator")
		client_writes(self.channel, "t-1", "Here is the receipt")
		frappe.set_user(self.ann)
		self.assertEqual(frappe.db.get_value("IQC Ticket", ticket.name, "status"), "In Progress")
		api.act(ticket.name, "resolve", resolution="Refunded 20 EUR")
		self.assertEqual(frappe.db.get_value("IQC Ticket", ticket.name, "status"), "Resolved")
		self.assertIn(f"Ticket #{ticket.name} is resolved: Refunded 20 EUR", self.client_sees())
		self.assertFalse(
			frappe.db.exists(
				"ToDo", {"reference_type": "IQC Ticket", "reference_name": str(ticket.name), "status": "Open"}
			),
			"a resolved ticket leaves the ToDo list",
		)
		details = api.ticket(ticket.name)
		self.assertEqual(
			[e.event for e in details["events"]],
			["Created", "Assigned", "Status Changed", "Status Changed", "Client Wrote", "Resolved"],
		)
		newest = client_writes(self.channel, "t-1", "Thanks!").conversation
		frappe.set_user("Administrator")
		history = operator_api.messages(newest)["messages"]
		kinds = [(r.get("kind"), r.get("event")) for r in history if r.get("kind") == "ticket-event"]
		self.assertIn(("ticket-event", "Created"), kinds)
		self.assertIn(("ticket-event", "Resolved"), kinds)
		times = [r.sent_at for r in history]
		self.assertEqual(times, sorted(times), "messages and ticket events in time order")

	def test_a_client_writing_within_the_reopen_window_reopens_a_resolved_ticket(self):
		ticket = self.open_ticket()
		api.act(ticket.name, "resolve", resolution="Refunded", tell_client=0)
		frappe.set_user("Administrator")
		client_writes(self.channel, "t-1", "It came back!")
		self.assertEqual(frappe.db.get_value("IQC Ticket", ticket.name, "status"), "In Progress")
		api.act(ticket.name, "resolve", resolution="Refunded again", tell_client=0)
		frappe.db.set_value("IQC Ticket", ticket.name, "resolved_at", add_to_date(now_datetime(), days=-8))
		client_writes(self.channel, "t-1", "A new question")
		self.assertEqual(frappe.db.get_value("IQC Ticket", ticket.name, "status"), "Resolved")

	def test_a_postponed_ticket_comes_back_to_its_assignee_when_its_date_comes(self):
		ticket = self.open_ticket()
		until = add_to_date(now_datetime(), hours=2)
		api.act(ticket.name, "postpone", until=str(until), reason="Waiting for the bank")
		self.assertEqual(api.tickets(view="postponed")["tickets"][0].name, ticket.name)
		self.assertEqual(bring_back_postponed(), [])
		frappe.db.set_value(
			"IQC Ticket", ticket.name, "postponed_until", add_to_date(now_datetime(), minutes=-1)
		)
		self.assertEqual([int(n) for n in bring_back_postponed()], [ticket.name])
		doc = frappe.get_doc("IQC Ticket", ticket.name)
		self.assertEqual((doc.status, doc.assignee, doc.postponed_until), ("Open", self.ann, None))

	def test_sub_tickets_nest_at_any_depth_and_a_loop_is_refused(self):
		ticket = self.open_ticket()
		child = api.create("Check the terminal", parent=ticket.name)["ticket"]
		grandchild = api.create("Call the bank", parent=child.name)["ticket"]
		tree = api.ticket(ticket.name)["sub_tickets"]
		self.assertEqual([t.name for t in tree], [child.name])
		self.assertEqual([t.name for t in tree[0].children], [grandchild.name])
		self.assertEqual(str(child.client), str(self.client))
		doc = frappe.get_doc("IQC Ticket", ticket.name)
		doc.parent_ticket = grandchild.name
		self.assertRefused(400, doc.save)
		self.assertIsNone(frappe.db.get_value("IQC Ticket", ticket.name, "parent_ticket"))

	def test_a_reply_from_the_ticket_reaches_the_client_on_their_channel(self):
		ticket = self.open_ticket()
		answer = api.reply(ticket.name, "We are on it")
		self.assertEqual(answer["message"]["ticket"], ticket.name)
		self.assertIn("We are on it", self.client_sees())

	def test_hand_over_to_a_colleague_or_to_a_line(self):
		ticket = self.open_ticket()
		api.hand_over(ticket.name, user=self.bob, comment="You know this bank")
		self.assertEqual(frappe.db.get_value("IQC Ticket", ticket.name, "assignee"), self.bob)
		self.assertRefused(403, api.act, ticket.name, "start")
		frappe.set_user(self.bob)
		self.assertEqual([t.name for t in api.tickets(view="mine")["tickets"]], [ticket.name])
		other_line = make_line([self.bob])
		api.hand_over(ticket.name, line=other_line)
		doc = frappe.get_doc("IQC Ticket", ticket.name)
		self.assertEqual((doc.line, doc.assignee), (other_line, None))
		self.assertEqual(api.ticket(ticket.name)["events"][-1].event, "Handed Over")


class TestWhoSeesWhat(TicketTestCase):
	def test_operators_see_their_lines_and_their_own_tickets_supervisors_all(self):
		ticket = self.open_ticket()
		frappe.set_user("Administrator")
		stranger = make_operator(first_name="Cid")
		make_line([stranger])
		frappe.set_user(stranger)
		self.assertRefused(403, api.ticket, ticket.name)
		self.assertRefused(404, api.ticket, "²")  # a digit to `isdigit`, not to `int`
		self.assertEqual(api.tickets(view="lines")["tickets"], [])
		self.assertEqual(frappe.get_list("IQC Ticket", pluck="name"), [])
		frappe.set_user("Administrator")
		frappe.set_user(make_supervisor())
		self.assertEqual([t.name for t in api.tickets(view="all")["tickets"]][:1], [ticket.name])
		frappe.set_user(self.bob)
		self.assertEqual([t.name for t in api.tickets(view="lines")["tickets"]], [ticket.name])
		self.assertEqual(
			api.tickets(view="lines", start="9" * 40)["tickets"], [], "a page past the end is empty"
		)
		api.watch(ticket.name)
		self.assertEqual(api.tickets(view="watched")["counters"]["watched"], 1)

	def test_the_client_sees_only_their_own_tickets_through_the_api_and_the_chat(self):
		ticket = self.open_ticket()
		frappe.set_user("Administrator")
		other = client_writes(self.channel, "t-2", "Hi").conversation
		frappe.set_user(self.ann)
		theirs = api.create("Another matter", conversation=other)["ticket"]
		frappe.set_user("Guest")
		mine = signed_inbound(
			self.channel, {"channel": self.channel.name, "client": {"id": "t-1"}}, method="tickets"
		)
		self.assertEqual([t.number for t in mine["tickets"]], [ticket.name])
		self.assertEqual(mine["tickets"][0].status, "Open")
		self.assertRefused(
			404,
			signed_inbound,
			self.channel,
			{"channel": self.channel.name, "client": {"id": "t-1"}, "ticket": theirs.name},
			method="tickets",
		)
		frappe.set_user("Administrator")
		web = make_channel(self.line, "Web widget")
		visitor = widget.new_anonymous_id()
		chat = client_writes(web, visitor, "Hello from the site").conversation
		frappe.set_user(self.ann)
		on_site = api.create("Site question", conversation=chat)["ticket"]
		frappe.set_user("Guest")
		token = widget.token_for(web, visitor)
		self.assertEqual([t.number for t in widget_api.tickets(web.name, token)["tickets"]], [on_site.name])
		self.assertRefused(404, widget_api.tickets, web.name, token, ticket=ticket.name)
