"""The address book: operators add and edit clients from the workspace, and each client stays in step
with the same person's Contact in the desk, whichever side is edited."""

import frappe
from frappe.utils import get_datetime

from iqchannels.api import clients as clients_api
from iqchannels.flows import distribution
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	make_supervisor,
	make_user,
	unique,
)


class TestAddressBook(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator("Active", first_name="Ann")
		self.stranger = make_operator("Active", first_name="Stranger")
		self.line = make_line([self.ann])
		make_line([self.stranger])
		message = client_writes(make_channel(self.line), unique("crm"), "Hello")
		distribution.distribute_line(self.line)
		self.client = str(frappe.db.get_value("IQC Conversation", message.conversation, "client"))
		self.company = (
			frappe.get_doc({"doctype": "IQC Company", "company_name": unique("Acme")}).insert().name
		)

	def test_an_operator_adds_a_client_who_gets_a_new_contact_in_the_desk(self):
		email = f"{unique('olga')}@example.com"
		frappe.set_user(self.ann)
		card = clients_api.save_client(
			{
				"full_name": "Olga Petrova",
				"email": email,
				"phone": "+7 495 123-45-67",
				"company": self.company,
				"position": "Chief accountant",
				"department": "Finance",
				"birthday": "1985-03-08",
			}
		)
		self.assertEqual(card.full_name, "Olga Petrova")
		self.assertEqual(card.company_card.company_name, self.company)
		client = frappe.get_doc("IQC Client", card.name)
		self.assertEqual(client.responsible_operator, self.ann, "whoever adds a client is responsible")
		contact = frappe.get_doc("Contact", client.contact)
		self.assertEqual(contact.full_name, "Olga Petrova")
		self.assertEqual((contact.email_id, contact.phone), (email, "+7 495 123-45-67"))
		self.assertEqual((contact.company_name, contact.designation), (self.company, "Chief accountant"))
		self.assertEqual(contact.department, "Finance")
		self.assertEqual(clients_api.client_company(card.name).company_name, self.company, "she is mine")

	def test_a_new_client_joins_the_contact_with_the_same_email_or_phone(self):
		email = f"{unique('ivan')}@example.com"
		by_email = frappe.get_doc(
			{"doctype": "Contact", "first_name": "Ivan", "email_ids": [{"email_id": email, "is_primary": 1}]}
		).insert()
		phone = "+7 900 " + "".join(str(frappe.utils.cint(c, 0) % 10) for c in frappe.generate_hash(length=7))
		by_phone = frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": "Petr",
				"phone_nos": [{"phone": phone, "is_primary_phone": 1}],
			}
		).insert()
		contacts_before = self.count("Contact")
		frappe.set_user(self.ann)
		ivan = clients_api.save_client({"full_name": "Ivan Sidorov", "email": email})
		petr = clients_api.save_client({"full_name": "Petr Ivanov", "phone": phone})
		self.assertEqual(ivan.contact, by_email.name)
		self.assertEqual(petr.contact, by_phone.name)
		self.assertEqual(self.count("Contact"), contacts_before, "no second contact for the same person")
		self.assertEqual(frappe.db.get_value("Contact", by_email.name, "full_name"), "Ivan Sidorov")

	def test_an_edit_on_the_card_reaches_the_contact_and_an_edit_of_the_contact_reaches_the_card(self):
		frappe.set_user(self.ann)
		card = clients_api.save_client(
			{"full_name": "Anna Smirnova", "email": f"{unique('anna')}@example.com"}, client=self.client
		)
		self.assertTrue(card.contact, "an existing client edited in the address book gets a contact")
		new_email = f"{unique('anna.new')}@example.com"
		clients_api.save_client({"email": new_email, "position": "Director"}, client=self.client)
		contact = frappe.get_doc("Contact", card.contact)
		self.assertEqual((contact.email_id, contact.designation), (new_email, "Director"))
		self.assertEqual(len([row for row in contact.email_ids if row.is_primary]), 1)
		# The card's older edit call too.
		clients_api.update_client(self.client, {"phone": "+380 44 000 11 22"})
		self.assertEqual(frappe.db.get_value("Contact", card.contact, "phone"), "+380 44 000 11 22")

		frappe.set_user("Administrator")
		contact = frappe.get_doc("Contact", card.contact)
		contact.first_name, contact.last_name = "Anna", "Kuznetsova"
		contact.designation = "Owner"
		contact.company_name = self.company
		contact.save()
		client = frappe.get_doc("IQC Client", self.client)
		self.assertEqual(
			(client.full_name, client.position, client.company), ("Anna Kuznetsova", "Owner", self.company)
		)
		self.assertEqual(
			frappe.db.get_value("Contact", card.contact, "modified"),
			get_datetime(contact.modified),
			"the client's update does not bounce back and save the contact again",
		)
		self.assertEqual(
			frappe.db.get_value("Contact", card.contact, "first_name"), "Anna", "the desk's split is kept"
		)

	def test_a_contact_with_a_company_the_app_does_not_know_leaves_the_clients_company(self):
		frappe.set_user(self.ann)
		card = clients_api.save_client({"full_name": "Boris", "company": self.company}, client=self.client)
		frappe.set_user("Administrator")
		contact = frappe.get_doc("Contact", card.contact)
		contact.company_name = "Somewhere Else"
		contact.save()
		self.assertEqual(frappe.db.get_value("IQC Client", self.client, "company"), self.company)

	def test_deleting_the_contact_unlinks_the_client_and_keeps_their_details(self):
		frappe.set_user(self.ann)
		card = clients_api.save_client({"full_name": "Gleb", "phone": "+7 999 000 00 00"}, client=self.client)
		frappe.set_user("Administrator")
		frappe.delete_doc("Contact", card.contact)
		client = frappe.get_doc("IQC Client", self.client)
		self.assertIsNone(client.contact)
		self.assertEqual((client.full_name, client.phone), ("Gleb", "+7 999 000 00 00"))

	def test_bad_input_is_refused_and_nothing_is_written(self):
		taken = f"{unique('taken')}@example.com"
		frappe.set_user(self.ann)
		clients_api.save_client({"full_name": "First", "email": taken})
		clients_before, contacts_before = self.count("IQC Client"), self.count("Contact")
		self.assertRefused(400, clients_api.save_client, {"email": "x@example.com"})
		self.assertRefused(400, clients_api.save_client, {"full_name": "  "})
		self.assertRefused(400, clients_api.save_client, {"full_name": "X", "email": "not an address"})
		self.assertRefused(400, clients_api.save_client, {"full_name": "X", "phone": "call me maybe"})
		self.assertRefused(400, clients_api.save_client, {"full_name": "X", "birthday": "2999-01-01"})
		self.assertRefused(400, clients_api.save_client, {"full_name": "X", "birthday": "someday"})
		self.assertRefused(400, clients_api.save_client, {"full_name": "X", "blocked": 1})
		self.assertRefused(400, clients_api.save_client, "[1, 2]")
		error = self.assertRefused(409, clients_api.save_client, {"full_name": "Second", "email": taken})
		self.assertIn(taken, str(error))
		self.assertRefused(404, clients_api.save_client, {"full_name": "X", "company": unique("Nowhere")})
		self.assertRefused(400, clients_api.save_client, {"full_name": ""}, client=self.client)
		self.assertEqual(self.count("IQC Client"), clients_before)
		self.assertEqual(self.count("Contact"), contacts_before)

	def test_only_my_lines_clients_and_only_operators(self):
		frappe.set_user(self.stranger)
		self.assertRefused(403, clients_api.save_client, {"full_name": "Mine now"}, client=self.client)
		self.assertRefused(404, clients_api.save_client, {"full_name": "X"}, client="987654321")
		self.assertNotEqual(frappe.db.get_value("IQC Client", self.client, "full_name"), "Mine now")
		frappe.set_user(make_user(None, "Outsider"))
		self.assertRefused(403, clients_api.save_client, {"full_name": "Intruder"})
		frappe.set_user(make_supervisor())
		self.assertEqual(
			clients_api.save_client({"region": "Kazan"}, client=self.client).region,
			"Kazan",
			"supervisors: all",
		)

	def test_with_erpnext_the_contact_belongs_to_the_companys_customer(self):
		if "erpnext" not in frappe.get_installed_apps():
			self.skipTest(
				"ERPNext is not installed on this site: the Contact's link to a Customer cannot be tried"
			)
		customer = frappe.get_doc(
			{"doctype": "Customer", "customer_name": unique("Customer"), "customer_type": "Company"}
		).insert(ignore_permissions=True)
		frappe.db.set_value("IQC Company", self.company, "erpnext_customer", customer.name)
		frappe.set_user(self.ann)
		card = clients_api.save_client({"full_name": "Vera", "company": self.company})
		self.assertTrue(frappe.get_doc("Contact", card.contact).has_link("Customer", customer.name))
