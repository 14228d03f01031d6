"""Tasks and deals about a client, made from a conversation (layer: flows): a task is a Frappe ToDo on the
client with a due date, noted in the conversation so that the client's history shows it; a deal is an
ERPNext Opportunity or a Frappe CRM Deal, when one of them is installed."""

import frappe
from frappe import _
from frappe.utils import getdate, today

from iqchannels.flows.replies import post_operator_message
from iqchannels.records import roles
from iqchannels.records.exceptions import fail
from iqchannels.records.operators import full_name

TASK_FIELDS = ["name", "description", "date", "status", "allocated_to", "assigned_by", "creation"]
RECENTLY_DONE = 5


def due_date(value) -> str:
	try:
		due = getdate(value) if value else None
	except Exception:
		due = None
	if not due:
		fail("invalid", "Give the task's due date.")
	if due < getdate(today()):
		fail("invalid", "The due date {0} is in the past.", str(due))
	return str(due)


def create_task(conversation, user: str, description: str, due: str) -> str:
	"""A task for `user` about the conversation's client, due on `due` (today or later)."""
	description = (description or "").strip()
	if not description:
		fail("invalid", "Say what is to be done.")
	due = due_date(due)
	todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"description": description,
			"date": due,
			"allocated_to": user,
			"assigned_by": user,
			"reference_type": "IQC Client",
			"reference_name": str(conversation.client),
			"priority": "Medium",
		}
	).insert(ignore_permissions=True)
	if conversation.status != "Closed":
		post_operator_message(
			conversation, user, _("Task until {0}: {1}").format(due, description), internal=True
		)
	return todo.name


def tasks_of(client: str) -> dict:
	"""The client's open tasks, soonest first, and the last ones done."""
	rows = {}
	for key, status, order in (
		("open", "Open", "date asc, creation asc"),
		("done", "Closed", "modified desc"),
	):
		rows[key] = frappe.get_all(
			"ToDo",
			filters={"reference_type": "IQC Client", "reference_name": str(client), "status": status},
			fields=TASK_FIELDS,
			order_by=order,
			limit=None if status == "Open" else RECENTLY_DONE,
		)
	now = getdate(today())
	for row in rows["open"] + rows["done"]:
		row.allocated_to_name = full_name(row.allocated_to) if row.allocated_to else None
		row.overdue = row.status == "Open" and bool(row.date) and getdate(row.date) < now
	return rows


def close_task(task: str, user: str) -> str:
	"""Mark a task done: its owner, who set it, or a supervisor. Returns the client it was about."""
	todo = frappe.db.get_value(
		"ToDo",
		task,
		["name", "reference_type", "reference_name", "allocated_to", "assigned_by"],
		as_dict=True,
	)
	if not todo or todo.reference_type != "IQC Client":
		fail("not_found", "Task {0} does not exist.", task)
	if user not in (todo.allocated_to, todo.assigned_by) and not roles.is_supervisor(user):
		fail("forbidden", "Task {0} is not yours.", task)
	doc = frappe.get_doc("ToDo", task)
	doc.status = "Closed"
	doc.save(ignore_permissions=True)
	return todo.reference_name


def deal_app() -> str | None:
	installed = frappe.get_installed_apps()
	return "erpnext" if "erpnext" in installed else "crm" if "crm" in installed else None


def create_deal(conversation, user: str, title: str, amount: float | None = None) -> dict:
	"""A deal about the conversation's client in ERPNext (an Opportunity of the company's Customer) or
	in Frappe CRM (a Deal of the company's Organization)."""
	app = deal_app()
	if not app:
		fail("invalid", "Install ERPNext or Frappe CRM to create deals.")
	title = (title or "").strip()
	if not title:
		fail("invalid", "Give the deal a title.")
	client = frappe.db.get_value(
		"IQC Client", str(conversation.client), ["name", "company", "contact", "full_name"], as_dict=True
	)
	company = (
		frappe.db.get_value(
			"IQC Company", client.company, ["erpnext_customer", "crm_organization"], as_dict=True
		)
		if client.company
		else None
	)
	if app == "erpnext":
		if not company or not company.erpnext_customer:
			fail("invalid", "Link the client's company to an ERPNext Customer first.")
		deal = frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Customer",
				"party_name": company.erpnext_customer,
				"contact_person": client.contact,
				"title": title,
				"opportunity_amount": amount or 0,
				"opportunity_owner": user,
			}
		)
	else:
		deal = frappe.get_doc(
			{
				"doctype": "CRM Deal",
				"organization": company.crm_organization if company else None,
				"deal_owner": user,
				"annual_revenue": amount or 0,
				"contacts": [{"contact": client.contact, "is_primary": 1}] if client.contact else [],
			}
		)
	deal.insert(ignore_permissions=True)
	deal.add_comment(
		"Info", _("From conversation {0} with {1}: {2}").format(conversation.name, client.full_name, title)
	)
	return {"doctype": deal.doctype, "name": deal.name}
