"""Companies (layer: records): the organisations clients work for, with their contract and support terms,
and the company's details as the client's card shows them."""

import re

import frappe
from frappe.utils import getdate, today

from iqchannels.records.exceptions import fail
from iqchannels.records.inputs import search_text
from iqchannels.records.operators import full_name

COMPANY_FIELDS = [
	"name",
	"company_name",
	"inn",
	"registration_number",
	"contract_number",
	"contract_valid_until",
	"support_parameters",
	"erpnext_customer",
	"crm_organization",
	"notes",
]
# A Russian INN: 10 digits for an organisation, 12 for a sole proprietor or a person.
INN_LENGTHS = (10, 12)


def clean_inn(value: str | None) -> str | None:
	"""The INN as digits only (people paste it with spaces), or None when empty. The control digits are
	not checked: the number is kept as the contract states it, and a foreign company leaves it empty."""
	inn = re.sub(r"[\s-]", "", value or "")
	if not inn:
		return None
	if not inn.isdigit() or len(inn) not in INN_LENGTHS:
		fail(
			"invalid",
			"The INN must have 10 digits (an organisation) or 12 digits (a sole proprietor), not {0}.",
			value,
		)
	return inn


def unique_employees(rows) -> None:
	seen = set()
	for row in rows:
		if row.user in seen:
			fail("invalid", "{0} is listed twice among the responsible employees.", row.user)
		seen.add(row.user)


def require_company(name: str | None) -> str | None:
	"""The company a client is given, which must exist; None clears it."""
	name = (name or "").strip() or None
	if name and not frappe.db.exists("IQC Company", name):
		fail("not_found", "Company {0} does not exist.", name)
	return name


def company_card(name: str | None) -> dict | None:
	"""The company as the client's card shows it: contract (and whether it has expired), support terms,
	responsible employees, how many clients it has, and its ERPNext / CRM counterparts."""
	if not name:
		return None
	card = frappe.db.get_value("IQC Company", name, COMPANY_FIELDS, as_dict=True)
	if not card:
		return None
	valid_until = card.contract_valid_until
	card.contract_expired = bool(valid_until and getdate(valid_until) < getdate(today()))
	card.employees = [
		{"user": row.user, "full_name": full_name(row.user), "role": row.role_in_company}
		for row in frappe.get_all(
			"IQC Company Employee",
			filters={"parent": name, "parenttype": "IQC Company"},
			fields=["user", "role_in_company"],
			order_by="idx",
		)
	]
	card.client_count = frappe.db.count("IQC Client", {"company": name, "merged_into": ["is", "not set"]})
	installed = frappe.get_installed_apps()
	card.erpnext_installed = "erpnext" in installed
	card.crm_installed = "crm" in installed
	return card


def find_companies(search: str, limit: int = 10) -> list[dict]:
	"""Companies whose name or INN matches, for the card's company picker."""
	search = search_text(search)
	if not search:
		return []
	pattern = f"%{frappe.db.escape(search, percent=False)[1:-1]}%"
	return frappe.db.sql(
		"""select name, company_name, inn from `tabIQC Company`
		where company_name like %(p)s or inn like %(p)s
		order by company_name limit %(limit)s""",
		{"p": pattern, "limit": limit},
		as_dict=True,
	)
