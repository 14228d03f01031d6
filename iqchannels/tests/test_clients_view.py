"""The Clients view through its API: a line's clients in the view's order, the large list above 100
clients within the operator's relevance period, search as you type, "Add to list", the birthday
balloon, the operator's own settings, and who may see which line."""

from datetime import timedelta

import frappe
from frappe.utils import add_days, getdate, now_datetime

from iqchannels.api import directory as api
from iqchannels.flows import distribution
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_company,
	make_line,
	make_operator,
	make_supervisor,
	unique,
)


def set_client(message, **values) -> str:
	client = frappe.db.get_value("IQC Conversation", message.conversation, "client")
	frappe.db.set_value("IQC Client", client, values)
	return client


def set_last_message(client: str, at) -> None:
	frappe.db.sql("update `tabIQC Conversation` set last_message_at=%s where client=%s", (at, client))


class TestClientsView(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator("Active", first_name="Ann")
		self.stranger = make_operator("Active", first_name="Stranger")
		self.line = make_line([self.ann])
		self.other_line = make_line([self.stranger])
		self.channel = make_channel(self.line)

	def writes(self, name: str, text: str = "Hello", **values) -> str:
		message = client_writes(self.channel, unique("ext"), text)
		return set_client(message, full_name=name, **values)

	def names(self, rows) -> list[str]:
		return [row["full_name"] for row in rows]

	def test_the_line_clients_by_last_message_then_alphabetically_with_their_company_and_work(self):
		zoe = self.writes("Zoe Early", "first", company="Acme")
		max_ = self.writes("Max Late", "latest question")
		set_last_message(zoe, now_datetime() - timedelta(hours=2))
		set_last_message(max_, now_datetime() - timedelta(minutes=1))
		# Two clients known in the line only by a ticket-less, message-less conversation.
		for name in ("Bella Quiet", "Adam Quiet"):
			client = self.writes(name)
			frappe.db.sql("update `tabIQC Conversation` set last_message_at=null where client=%s", client)
		frappe.db.sql(
			"update `tabIQC Conversation` set status='Closed', result='Resolved' where client=%s", zoe
		)
		client_writes(make_channel(self.other_line), unique("ext"), "not in Ann's line")
		frappe.set_user(self.ann)
		view = api.clients(self.line)
		self.assertEqual(view["mode"], "full")
		self.assertEqual(self.names(view["rows"]), ["Max Late", "Zoe Early", "Adam Quiet", "Bella Quiet"])
		max_row, zoe_row = view["rows"][0], view["rows"][1]
		self.assertEqual(max_row["last_message"], "latest question")
		self.assertTrue(max_row["unfinished"], "a queued conversation is unfinished work")
		self.assertFalse(zoe_row["unfinished"], "a closed conversation is finished")
		self.assertEqual(zoe_row["company"], "Acme")
		page = api.clients(self.line, start=1, page_length=2)
		self.assertEqual(self.names(page["rows"]), ["Zoe Early", "Adam Quiet"])
		self.assertTrue(page["more"])

	def test_a_client_seen_within_the_presence_timeout_is_online(self):
		here = self.writes("Here Now", last_seen_at=now_datetime())
		self.writes("Gone Away", last_seen_at=now_datetime() - timedelta(hours=1))
		frappe.set_user(self.ann)
		online = {row["full_name"]: row["online"] for row in api.clients(self.line)["rows"]}
		self.assertEqual(online, {"Here Now": True, "Gone Away": False})
		self.assertTrue(here)

	def test_above_100_clients_only_the_relevant_ones_within_the_relevance_period(self):
		clients = [self.writes(f"Crowd {i:03}") for i in range(101)]
		added, favourite, old_favourite, stale = clients[:4]
		frappe.set_user(self.ann)
		api.add_to_list(added, self.line)
		api.follow(favourite)
		api.follow(old_favourite)
		api.add_to_list(stale)
		long_ago = now_datetime() - timedelta(days=70)
		frappe.db.sql(
			"update `tabIQC Client List Entry` set added_at=%s where client in %s",
			(long_ago, [stale, old_favourite]),
		)
		# Ann worked with one client recently and with another long ago.
		worked = self.take_conversation_of(clients[10])
		old_work = self.take_conversation_of(clients[11])
		frappe.db.set_value("IQC Conversation", old_work, "last_message_at", long_ago)
		frappe.set_user(self.ann)
		view = api.clients(self.line)
		self.assertEqual(view["mode"], "large")
		self.assertEqual(view["relevance_days"], 60)
		shown = {str(row["client"]) for row in view["rows"]}
		self.assertEqual(shown, {added, favourite, old_favourite, clients[10]})
		self.assertTrue(worked)
		api.save_preferences(90)
		shown = {str(row["client"]) for row in api.clients(self.line)["rows"]}
		self.assertEqual(shown, {added, favourite, old_favourite, stale, clients[10], clients[11]})

	def take_conversation_of(self, client: str) -> str:
		conversation = frappe.db.get_value("IQC Conversation", {"client": client}, "name")
		frappe.db.set_value("IQC Conversation", conversation, {"operator": self.ann, "status": "Open"})
		return conversation

	def test_search_as_you_type_by_name_id_email_company_and_inn(self):
		hooves = make_company(company_name=unique("Horns and Hooves"))
		ivan = self.writes(
			"Ivan Petrov", customer_id=unique("login"), email="ivan@shop.example", company=hooves
		)
		olga = self.writes("Olga Smirnova", inn="772901234567")
		ext = frappe.db.get_value("IQC Client Identity", {"parent": olga}, "external_id")
		client_writes(make_channel(self.other_line), unique("ext"), "elsewhere")
		outsider = frappe.get_last_doc("IQC Conversation", filters={"line": self.other_line}).client
		frappe.db.set_value("IQC Client", outsider, {"full_name": "Ivan Outsider", "company": hooves})
		frappe.set_user(self.ann)

		def found(text):
			return [str(row["client"]) for row in api.search(self.line, text)["rows"]]

		self.assertEqual(found("petr"), [ivan])
		self.assertEqual(found(frappe.db.get_value("IQC Client", ivan, "customer_id")[:9]), [ivan])
		self.assertEqual(found("ivan@sh"), [ivan])
		self.assertEqual(found("hooves"), [ivan], "the other line's client is not found")
		self.assertEqual(found("7729012"), [olga])
		self.assertEqual(found(ext[:8]), [olga])
		self.assertEqual(found("i"), [], "one letter finds nothing yet")
		self.assertEqual(found("%"), [])
		self.assertEqual(found("nobody like this"), [])

	def test_search_by_the_company_inn_once_companies_exist(self):
		company = make_company(company_name=unique("Romashka"), inn="7707083893")
		client = self.writes("Pavel Companyman", company=company)
		frappe.set_user(self.ann)
		self.assertEqual([str(r["client"]) for r in api.search(self.line, "77070838")["rows"]], [client])

	def test_add_to_list_keeps_a_found_client_and_survives_a_second_click(self):
		client = self.writes("Found Later")
		frappe.set_user(self.ann)
		first = api.add_to_list(client, self.line)
		second = api.add_to_list(client, self.line)
		self.assertTrue(first["in_list"] and second["in_list"])
		self.assertFalse(second["favourite"])
		self.assertEqual(self.count("IQC Client List Entry", operator=self.ann, client=client), 1)
		row = api.search(self.line, "Found Lat")["rows"][0]
		self.assertTrue(row["in_list"])
		api.remove_from_list(client)
		self.assertEqual(self.count("IQC Client List Entry", operator=self.ann, client=client), 0)

	def test_birthday_balloon_from_the_operator_notice_days_before(self):
		today = getdate()
		self.writes("Birthday Soon", birthday=add_days(today, 2).replace(year=1990))
		self.writes("Birthday Later", birthday=add_days(today, 5).replace(year=1990))
		frappe.set_user(self.ann)
		balloons = {row["full_name"]: row["balloon"] for row in api.clients(self.line)["rows"]}
		self.assertEqual(balloons, {"Birthday Soon": True, "Birthday Later": False})
		api.save_preferences(60, 7)
		balloons = {row["full_name"]: row["balloon"] for row in api.clients(self.line)["rows"]}
		self.assertEqual(balloons, {"Birthday Soon": True, "Birthday Later": True})

	def test_preferences_refuse_what_is_out_of_range_and_change_nothing(self):
		frappe.set_user(self.ann)
		for bad in (6, 91, "soon", "", -3, "²", "9" * 5000):
			self.assertRefused(400, api.save_preferences, bad)
		self.assertRefused(400, api.save_preferences, 30, 31)
		self.assertEqual(api.preferences(), {"relevance_days": 60, "birthday_notice_days": 3})
		self.assertEqual(api.save_preferences("7", "0"), {"relevance_days": 7, "birthday_notice_days": 0})

	def test_an_operator_sees_only_the_lines_they_serve_and_their_clients(self):
		client = self.writes("Ann's Client")
		frappe.set_user(self.stranger)
		self.assertRefused(403, api.clients, self.line)
		self.assertRefused(403, api.search, self.line, "Ann")
		self.assertRefused(403, api.add_to_list, client)
		self.assertRefused(403, api.follow, client)
		self.assertRefused(404, api.clients, "No such line")
		self.assertRefused(404, api.add_to_list, "999999999")
		self.assertRefused(404, api.follow, "drop table")
		self.assertEqual(self.count("IQC Client List Entry", client=client), 0)
		frappe.set_user(make_supervisor())
		self.assertEqual(self.names(api.clients(self.line)["rows"]), ["Ann's Client"])
		frappe.set_user("Guest")
		self.assertRefused(403, api.clients, self.line)

	def test_over_long_search_is_refused(self):
		frappe.set_user(self.ann)
		self.assertRefused(400, api.search, self.line, "x" * 141)


class TestClientsViewDistribution(IQCTestCase):
	def test_worked_with_means_the_operator_held_a_conversation(self):
		ann = make_operator("Active", first_name="Ann")
		line = make_line([ann])
		channel = make_channel(line)
		messages = [client_writes(channel, unique("ext")) for _ in range(101)]
		distribution.distribute_line(line)  # Ann's slots take the first ones
		held = set(frappe.get_all("IQC Conversation", filters={"operator": ann}, pluck="client"))
		frappe.set_user(ann)
		view = api.clients(line)
		self.assertEqual(view["mode"], "large")
		self.assertEqual({str(row["client"]) for row in view["rows"]}, held)
		self.assertTrue(all(row["unfinished"] for row in view["rows"]))
		self.assertEqual(len(messages), 101)
