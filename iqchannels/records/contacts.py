"""The address book (layer: records): clients that operators create or edit by hand, each kept in step
with the same person's Frappe Contact, the desk's address book, in both directions."""

from contextlib import contextmanager

import frappe
from frappe.utils import getdate, today, validate_email_address, validate_phone_number

from iqchannels.records.clients import DETAIL_FIELDS
from iqchannels.records.companies import require_company
from iqchannels.records.exceptions import fail

# What an operator fills in for a person in the address book: the card's details and notes.
ADDRESS_BOOK_FIELDS = (*DETAIL_FIELDS, "notes")
# The client's fields that a Contact holds too.
SYNCED_FIELDS = ("full_name", "email", "phone", "company", "position", "department", "contact")
# Set while one side writes the other, so that the other side's hook does not write back.
SYNCING = "iqc_contact_sync"


@contextmanager
def syncing():
	frappe.flags[SYNCING] = True
	try:
		yield
	finally:
		frappe.flags[SYNCING] = False


def clean_values(values: dict, creating: bool) -> dict:
	"""The operator's input, checked: known fields, a name, a real e-mail, a birthday not to come, a
	company that exists."""
	unknown = sorted(set(values) - set(ADDRESS_BOOK_FIELDS))
	if unknown:
		fail("invalid", "These fields cannot be changed here: {0}.", ", ".join(unknown))
	values = {k: (v.strip() if isinstance(v, str) else v) or None for k, v in values.items()}
	if (creating or "full_name" in values) and not values.get("full_name"):
		fail("invalid", "Give the client's name.")
	if values.get("email") and not validate_email_address(values["email"]):
		fail("invalid", "{0} is not an e-mail address.", values["email"])
	if values.get("phone") and not validate_phone_number(values["phone"]):
		fail("invalid", "{0} is not a phone number.", values["phone"])
	if values.get("birthday"):
		try:
			birthday = getdate(values["birthday"])
		except Exception:
			fail("invalid", "{0} is not a date.", values["birthday"])
		if birthday > getdate(today()):
			fail("invalid", "The birthday cannot be in the future.")
		values["birthday"] = str(birthday)
	if "company" in values:
		values["company"] = require_company(values["company"])
	return values


def create_client(values: dict, user: str) -> str:
	"""A person added to the address book by an operator, who becomes responsible for them; linked to
	the desk's Contact with the same e-mail or phone, or to a new one."""
	values = clean_values(values, creating=True)
	if values.get("email") and (
		same := frappe.db.get_value(
			"IQC Client", {"email": values["email"], "merged_into": ["is", "not set"]}, "name"
		)
	):
		fail("conflict", "Client {0} already has the e-mail {1}.", same, values["email"])
	doc = frappe.get_doc(
		{"doctype": "IQC Client", "client_type": "Identified", "responsible_operator": user, **values}
	)
	doc.insert(ignore_permissions=True)
	link_contact(doc)
	return str(doc.name)


def update_client(client: str, values: dict) -> None:
	"""An edit of the person's details; the Contact follows (a client without one gets one)."""
	values = clean_values(values, creating=False)
	doc = frappe.get_doc("IQC Client", client)
	doc.update(values)
	doc.save(ignore_permissions=True)
	if not doc.contact:
		link_contact(doc)


def link_contact(client) -> str:
	"""The client's Contact: the one with the same e-mail or phone that no other client holds, or a new
	one; its details follow the client's."""
	name = client.contact or matching_contact(client)
	if name:
		contact = frappe.get_doc("Contact", name)
	else:
		contact = frappe.new_doc("Contact")
	fill_contact(contact, client)
	with syncing():
		contact.save(ignore_permissions=True)
	if client.contact != contact.name:
		client.db_set("contact", contact.name, update_modified=False)
	return contact.name


def matching_contact(client) -> str | None:
	taken = set(frappe.get_all("IQC Client", filters={"contact": ["is", "set"]}, pluck="contact"))
	candidates = []
	if client.email:
		candidates += frappe.get_all(
			"Contact Email", filters={"email_id": client.email, "parenttype": "Contact"}, pluck="parent"
		)
	if client.phone:
		candidates += frappe.get_all(
			"Contact Phone", filters={"phone": client.phone, "parenttype": "Contact"}, pluck="parent"
		)
	return next((name for name in candidates if name not in taken), None)


def fill_contact(contact, client) -> None:
	if composed_name(contact) != (client.full_name or ""):
		# One name field on the card: the desk's split into first, middle and last is kept while the
		# whole name stays the same.
		contact.first_name, contact.middle_name, contact.last_name = client.full_name or "", "", ""
	contact.company_name = client.company
	contact.designation = client.position
	contact.department = client.department
	set_primary(contact, "email_ids", "email_id", "is_primary", client.email)
	set_primary(contact, "phone_nos", "phone", "is_primary_phone", client.phone)
	link_customer(contact, client.company)


def set_primary(contact, table: str, field: str, flag: str, value: str | None) -> None:
	"""Make `value` the contact's primary e-mail or phone; an emptied one loses its primary row."""
	rows = contact.get(table)
	if not value:
		contact.set(table, [row for row in rows if not row.get(flag)])
		return
	found = False
	for row in rows:
		same = (row.get(field) or "").strip().lower() == value.lower()
		row.set(flag, 1 if same and not found else 0)
		found = found or same
	if not found:
		contact.append(table, {field: value, flag: 1})


def link_customer(contact, company: str | None) -> None:
	"""With ERPNext installed, the Contact belongs to the company's Customer too."""
	if not company or "erpnext" not in frappe.get_installed_apps():
		return
	customer = frappe.db.get_value("IQC Company", company, "erpnext_customer")
	if customer and not contact.has_link("Customer", customer):
		contact.append("links", {"link_doctype": "Customer", "link_name": customer})


def composed_name(contact) -> str:
	return " ".join(part for part in (contact.first_name, contact.middle_name, contact.last_name) if part)


def client_saved(client, method=None) -> None:
	"""IQC Client's on_update hook: a linked Contact follows the client's edits."""
	if frappe.flags.get(SYNCING) or not client.contact:
		return
	if not any(client.has_value_changed(field) for field in SYNCED_FIELDS):
		return
	if not frappe.db.exists("Contact", client.contact):
		return
	contact = frappe.get_doc("Contact", client.contact)
	fill_contact(contact, client)
	with syncing():
		contact.save(ignore_permissions=True)


def contact_saved(contact, method=None) -> None:
	"""Contact's on_update hook: the clients linked to it take the desk's edits. A company name the app
	does not know as an IQC Company is left out rather than refused."""
	if frappe.flags.get(SYNCING):
		return
	for name in frappe.get_all("IQC Client", filters={"contact": contact.name}, pluck="name"):
		client = frappe.get_doc("IQC Client", name)
		values = {
			"full_name": composed_name(contact) or client.full_name,
			"email": contact.email_id or None,
			"phone": contact.phone or contact.mobile_no or None,
			"position": contact.designation or None,
			"department": contact.department or None,
		}
		if contact.company_name and frappe.db.exists("IQC Company", contact.company_name):
			values["company"] = contact.company_name
		elif not contact.company_name:
			values["company"] = None
		changed = {k: v for k, v in values.items() if (client.get(k) or None) != v}
		if not changed:
			continue
		client.update(changed)
		with syncing():
			client.save(ignore_permissions=True)


def contact_deleted(contact, method=None) -> None:
	"""The desk deleted the Contact: the clients keep their details and lose only the link."""
	frappe.db.sql("update `tabIQC Client` set contact=null where contact=%s", contact.name)
