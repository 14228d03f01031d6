"""Companies: the supervisor's records of the organisations clients work for, a client's company as a
link, the company on the client's card, and the patch that turned free-text companies into records."""

import frappe
from frappe.utils import add_days, today

from iqchannels.api import clients as clients_api
from iqchannels.api import operator as operator_api
from iqchannels.api import tickets as tickets_api
from iqchannels.flows import distribution
from iqchannels.patches import link_clients_to_companies
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


class TestCompanies(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator("Active", first_name="Ann")
		self.stranger = make_operator("Active", first_name="Stranger")
		self.supervisor = make_supervisor()
		self.line = make_line([self.ann])
		make_line([self.stranger])
		message = client_writes(make_channel(self.line), unique("crm"), "My invoice is wrong")
		distribution.distribute_line(self.line)
		self.conversation = frappe.get_doc("IQC Conversation", message.conversation)
		self.client = str(self.conversation.client)

	def test_a_supervisor_keeps_companies_in_the_desk_and_an_operator_only_reads_them(self):
		frappe.set_user(self.supervisor)
		name = make_company(
			inn="7707 083 893",
			registration_number="1027700132195",
			contract_number="D-17/2026",
			contract_valid_until=add_days(today(), 30),
			support_parameters="Business hours, e-mail and chat, answer within 2 hours",
			employees=[{"user": self.ann, "role_in_company": "Account manager"}],
		)
		company = frappe.get_doc("IQC Company", name)
		self.assertEqual(company.inn, "7707083893", "the INN is kept as digits")
		company.contract_number = "D-18/2026"
		company.save()
		frappe.set_user(self.ann)
		self.assertEqual(frappe.get_doc("IQC Company", name).contract_number, "D-18/2026")
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc({"doctype": "IQC Company", "company_name": unique("Mine")}).insert()
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc("IQC Company", name).save()

	def test_an_inn_is_ten_or_twelve_digits(self):
		frappe.set_user(self.supervisor)
		self.assertTrue(make_company(inn="500100732259"), "a sole proprietor's INN has 12 digits")
		self.assertTrue(make_company(inn=""), "a foreign company has no INN")
		for wrong in ("770708389", "77070838931", "77O7083893", "7707083893-1"):
			before = self.count("IQC Company")
			error = self.assertRefused(400, make_company, inn=wrong)
			self.assertIn(wrong, str(error))
			self.assertEqual(self.count("IQC Company"), before, "nothing is written")

	def test_a_responsible_employee_is_listed_once(self):
		frappe.set_user(self.supervisor)
		self.assertRefused(400, make_company, employees=[{"user": self.ann}, {"user": self.ann}])

	def test_the_card_shows_the_client_and_their_company_and_flags_an_expired_contract(self):
		supervisor_note = "Only the accountant may ask about invoices"
		frappe.set_user(self.supervisor)
		company = make_company(
			inn="7707083893",
			registration_number="1027700132195",
			contract_number="D-17/2025",
			contract_valid_until=add_days(today(), -1),
			support_parameters=supervisor_note,
			employees=[{"user": self.ann, "role_in_company": "Account manager"}],
		)
		frappe.set_user(self.ann)
		clients_api.update_client(
			self.client,
			{"company": company, "position": "Accountant", "department": "Finance", "region": "Moscow"},
		)
		card = operator_api.conversation(self.conversation.name)["client"]
		self.assertEqual((card.position, card.department, card.region), ("Accountant", "Finance", "Moscow"))
		shown = card.company_card
		self.assertEqual(shown.company_name, company)
		self.assertEqual((shown.inn, shown.registration_number), ("7707083893", "1027700132195"))
		self.assertEqual(shown.contract_number, "D-17/2025")
		self.assertTrue(shown.contract_expired, "a contract valid until yesterday has expired")
		self.assertEqual(shown.support_parameters, supervisor_note)
		self.assertEqual([e["user"] for e in shown.employees], [self.ann])
		self.assertEqual(shown.employees[0]["role"], "Account manager")
		self.assertEqual(shown.client_count, 1)
		self.assertEqual(clients_api.client_company(self.client).company_name, company)

		frappe.set_user(self.supervisor)
		frappe.db.set_value("IQC Company", company, "contract_valid_until", today())
		frappe.set_user(self.ann)
		self.assertFalse(clients_api.client_company(self.client).contract_expired, "valid through today")

	def test_the_card_lists_the_clients_open_tickets(self):
		frappe.set_user(self.ann)
		tickets_api.create("Wrong invoice", conversation=self.conversation.name)
		shown = tickets_api.client_tickets(self.client)
		self.assertEqual([t["subject"] for t in shown["open"]], ["Wrong invoice"])

	def test_an_unknown_company_is_refused_on_every_path_and_nothing_is_written(self):
		frappe.set_user(self.ann)
		error = self.assertRefused(
			404, clients_api.save_client, {"company": "No Such Ltd"}, client=self.client
		)
		self.assertIn("No Such Ltd", str(error))
		# The card's older edit call meets Frappe's own check of the link.
		error = self.assertRefused(417, clients_api.update_client, self.client, {"company": "No Such Ltd"})
		self.assertIn("No Such Ltd", str(error))
		self.assertIsNone(frappe.db.get_value("IQC Client", self.client, "company"))

	def test_a_company_is_found_by_name_or_inn(self):
		frappe.set_user(self.supervisor)
		name = make_company(company_name=unique("Horns and Hoofs"), inn="7736207543")
		frappe.set_user(self.ann)
		self.assertIn(name, [c.name for c in clients_api.find_companies("7736207543")])
		self.assertIn(name, [c.name for c in clients_api.find_companies(name[:12])])
		self.assertEqual(clients_api.find_companies("   "), [])
		self.assertRefused(400, clients_api.find_companies, "7" * 141)

	def test_a_client_of_another_line_is_not_shown_to_an_operator(self):
		frappe.set_user(self.stranger)
		self.assertRefused(403, clients_api.client_company, self.client)
		self.assertRefused(404, clients_api.client_company, "999999999")
		frappe.set_user(self.supervisor)
		self.assertIsNone(clients_api.client_company(self.client), "supervisors see every client")

	def test_companies_written_as_text_become_companies_the_clients_link_to(self):
		spelled = unique("Acme Ltd")
		others = [spelled + " ", spelled.upper()]
		names = []
		for value in [spelled, *others]:
			# The column as it was before the patch: free text, written around the link's checks.
			name = frappe.db.sql("select coalesce(max(name), 0) + 1 from `tabIQC Client`")[0][0]
			frappe.db.sql(
				"""insert into `tabIQC Client` (name, full_name, company, creation, modified)
				values (%s, 'Patched', %s, now(), now())""",
				(name, value),
			)
			names.append(str(name))
		link_clients_to_companies.execute()
		self.assertTrue(frappe.db.exists("IQC Company", spelled))
		self.assertEqual(
			{frappe.db.get_value("IQC Client", n, "company") for n in names},
			{spelled},
			"spellings differing by case or spaces are one company",
		)
		link_clients_to_companies.execute()
		self.assertEqual(self.count("IQC Company", company_name=spelled), 1, "running again changes nothing")

	def test_with_erpnext_a_company_links_to_its_customer(self):
		if "erpnext" not in frappe.get_installed_apps():
			self.skipTest(
				"ERPNext is not installed on this site: the company's Customer link cannot be tried"
			)
		customer = frappe.get_doc(
			{"doctype": "Customer", "customer_name": unique("Customer"), "customer_type": "Company"}
		).insert(ignore_permissions=True)
		company = make_company(erpnext_customer=customer.name)
		frappe.set_user(self.ann)
		clients_api.save_client({"company": company, "email": f"{unique('b')}@iqc.test"}, client=self.client)
		contact = frappe.db.get_value("IQC Client", self.client, "contact")
		self.assertTrue(frappe.get_doc("Contact", contact).has_link("Customer", customer.name))
		self.assertEqual(clients_api.client_company(self.client).erpnext_customer, customer.name)

	def test_with_frappe_crm_a_company_shows_its_organization(self):
		if "crm" not in frappe.get_installed_apps():
			self.skipTest(
				"Frappe CRM is not installed on this site: the CRM Organization link cannot be tried"
			)
		organization = frappe.get_doc(
			{"doctype": "CRM Organization", "organization_name": unique("Org")}
		).insert(ignore_permissions=True)
		company = make_company(crm_organization=organization.name)
		frappe.set_user(self.ann)
		clients_api.save_client({"company": company}, client=self.client)
		self.assertEqual(clients_api.client_company(self.client).crm_organization, organization.name)
		self.assertTrue(clients_api.client_company(self.client).crm_installed)
