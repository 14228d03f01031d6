"""Tasks and deals about a client, made from a conversation in the workspace."""

import frappe
from frappe.utils import add_days, today

from iqchannels.api import clients as clients_api
from iqchannels.api import operator as operator_api
from iqchannels.flows import distribution
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	make_supervisor,
	unique,
)


class TestClientTasks(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator("Active", first_name="Ann")
		self.bob = make_operator("Offline", first_name="Bob")
		self.line = make_line([self.ann, self.bob])
		message = client_writes(make_channel(self.line), unique("crm"), "Call me back on Monday")
		distribution.distribute_line(self.line)
		self.conversation = frappe.get_doc("IQC Conversation", message.conversation)
		self.client = str(self.conversation.client)

	def test_a_task_about_the_client_is_a_todo_shown_on_the_card_and_in_the_history(self):
		due = add_days(today(), 3)
		frappe.set_user(self.ann)
		tasks = clients_api.create_task(self.conversation.name, "Call back about the invoice", due)
		self.assertEqual([t.description for t in tasks["open"]], ["Call back about the invoice"])
		todo = frappe.get_doc("ToDo", tasks["open"][0].name)
		self.assertEqual((todo.reference_type, todo.reference_name), ("IQC Client", self.client))
		self.assertEqual((str(todo.date), todo.allocated_to), (str(due), self.ann))
		card = operator_api.conversation(self.conversation.name)["client"]
		self.assertEqual([t.name for t in card.tasks["open"]], [todo.name])
		self.assertFalse(card.tasks["open"][0].overdue)
		history = operator_api.messages(self.conversation.name)["messages"]
		notes = [m for m in history if m.internal and "Call back about the invoice" in (m.text or "")]
		self.assertEqual(len(notes), 1, "the task is noted in the conversation, for colleagues only")
		self.assertIn(str(due), notes[0].text)

	def test_a_task_due_today_is_fine_and_one_due_in_the_past_is_refused(self):
		frappe.set_user(self.ann)
		self.assertEqual(len(clients_api.create_task(self.conversation.name, "Today", today())["open"]), 1)
		before = self.count("ToDo", reference_type="IQC Client")
		error = self.assertRefused(
			400, clients_api.create_task, self.conversation.name, "Late", add_days(today(), -1)
		)
		self.assertIn(str(add_days(today(), -1)), str(error))
		self.assertRefused(400, clients_api.create_task, self.conversation.name, "No date", "")
		self.assertRefused(400, clients_api.create_task, self.conversation.name, "Bad date", "next week")
		self.assertRefused(400, clients_api.create_task, self.conversation.name, "   ", today())
		self.assertRefused(404, clients_api.create_task, "99999999", "Nowhere", today())
		self.assertEqual(self.count("ToDo", reference_type="IQC Client"), before, "nothing is written")

	def test_only_who_works_the_conversation_sets_tasks_and_only_the_owner_closes_them(self):
		frappe.set_user(self.bob)
		self.assertRefused(403, clients_api.create_task, self.conversation.name, "Not mine", today())
		frappe.set_user(self.ann)
		task = clients_api.create_task(self.conversation.name, "Send the contract", today())["open"][0].name
		frappe.set_user(self.bob)
		self.assertRefused(403, clients_api.close_task, task)
		self.assertRefused(404, clients_api.close_task, "no-such-task")
		frappe.set_user(self.ann)
		tasks = clients_api.close_task(task)
		self.assertEqual(tasks["open"], [])
		self.assertEqual([t.name for t in tasks["done"]], [task])
		frappe.set_user(make_supervisor())
		self.assertEqual(
			[t.name for t in clients_api.client_tasks_of(self.client)["done"]], [task], "supervisors see them"
		)

	def test_a_deal_needs_erpnext_or_frappe_crm(self):
		if {"erpnext", "crm"} & set(frappe.get_installed_apps()):
			self.skipTest("ERPNext or Frappe CRM is installed here: deals are made, not refused")
		frappe.set_user(self.ann)
		error = self.assertRefused(
			400, clients_api.create_deal, self.conversation.name, "Annual licence", 1200
		)
		self.assertIn("Install ERPNext or Frappe CRM to create deals", str(error))

	def test_with_erpnext_a_deal_is_an_opportunity_of_the_companys_customer(self):
		if "erpnext" not in frappe.get_installed_apps():
			self.skipTest("ERPNext is not installed on this site: an Opportunity cannot be made")
		customer = frappe.get_doc(
			{"doctype": "Customer", "customer_name": unique("Customer"), "customer_type": "Company"}
		).insert(ignore_permissions=True)
		company = frappe.get_doc(
			{"doctype": "IQC Company", "company_name": unique("Acme"), "erpnext_customer": customer.name}
		).insert()
		frappe.db.set_value("IQC Client", self.client, "company", company.name)
		frappe.set_user(self.ann)
		deal = clients_api.create_deal(self.conversation.name, "Annual licence", 1200)
		self.assertEqual(deal["doctype"], "Opportunity")
		self.assertEqual(frappe.db.get_value("Opportunity", deal["name"], "party_name"), customer.name)

	def test_with_frappe_crm_a_deal_is_a_crm_deal(self):
		if "crm" not in frappe.get_installed_apps() or "erpnext" in frappe.get_installed_apps():
			self.skipTest("Frappe CRM alone is not what this site has: a CRM Deal cannot be tried")
		frappe.set_user(self.ann)
		deal = clients_api.create_deal(self.conversation.name, "Annual licence", 1200)
		self.assertEqual(deal["doctype"], "CRM Deal")
		self.assertTrue(frappe.db.exists("CRM Deal", deal["name"]))
