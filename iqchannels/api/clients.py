"""The clients' endpoints of the workspace (layer: endpoints): the card's edits, identities and merging
two profiles of one person.

An operator works with the clients whose conversations they can see; supervisors with all of them.
"""

import frappe
from frappe.utils import cint

from iqchannels.api.operator import require_operator, workable_conversation
from iqchannels.flows import client_tasks
from iqchannels.records import clients, companies, contacts, roles
from iqchannels.records.client_access import can_reach_client
from iqchannels.records.exceptions import fail, http_errors
from iqchannels.records.inputs import json_argument
from iqchannels.records.segments import limited_segments
from iqchannels.views import workspace


def visible_client(client: str | int) -> str:
	"""The client if the current user sees at least one of their conversations."""
	require_operator()
	if not str(client or "").isdigit() or not frappe.db.exists("IQC Client", cint(client)):
		fail("not_found", "Client {0} does not exist.", client)
	# Supervisors limited to segments see the clients of their segments' conversations, as operators do theirs.
	if not (roles.is_supervisor() and limited_segments() is None) and not frappe.get_list(
		"IQC Conversation", filters={"client": str(client)}, pluck="name", limit=1
	):
		fail("forbidden", "Client {0} is not one of your clients.", client)
	return str(cint(client))


@frappe.whitelist(methods=["POST"])
@http_errors
def update_client(client: str | int, values: dict | str) -> dict:
	"""Save an edit of the client's card (name, VIP, type, contacts, work, notes)."""
	name = visible_client(client)
	values = as_object(values)
	clients.update_profile(name, values, workspace.EDITABLE_CLIENT_FIELDS)
	return workspace.client_card(name)


@frappe.whitelist(methods=["POST"])
@http_errors
def add_client_identity(client: str | int, channel: str, external_id: str) -> dict:
	name = visible_client(client)
	clients.add_identity(name, channel, external_id)
	return workspace.client_card(name)


@frappe.whitelist(methods=["POST"])
@http_errors
def remove_client_identity(client: str | int, identity: str) -> dict:
	name = visible_client(client)
	clients.remove_identity(name, identity)
	return workspace.client_card(name)


@frappe.whitelist(methods=["POST"])
@http_errors
def merge_clients(client: str | int, other: str | int) -> dict:
	"""`other` is the same person as `client`: everything of theirs moves to `client`'s profile."""
	keep = visible_client(client)
	clients.merge(keep, visible_client(other), frappe.session.user)
	return workspace.client_card(keep)


@frappe.whitelist()
@http_errors
def find_clients(search: str, exclude: str | int | None = None) -> list[dict]:
	"""Profiles the operator can see whose name, e-mail, phone or an identity matches: the
	candidates to merge with."""
	require_operator()
	return workspace.find_clients(search, exclude)


# The address book, companies, tasks and deals: an operator works with the clients of their lines (a
# conversation or a ticket there) and those they are responsible for; supervisors with all of them.


def reachable_client(client: str | int) -> str:
	require_operator()
	if not str(client or "").isdigit() or not frappe.db.exists("IQC Client", cint(client)):
		fail("not_found", "Client {0} does not exist.", client)
	name = str(cint(client))
	if not can_reach_client(name):
		fail("forbidden", "Client {0} is not one of your clients.", client)
	return name


def as_object(values: dict | str) -> dict:
	values = json_argument(values, "values")
	if not isinstance(values, dict):
		fail("invalid", "Send the changed fields as an object.")
	return values


@frappe.whitelist(methods=["POST"])
@http_errors
def save_client(values: dict | str, client: str | int | None = None) -> dict:
	"""Add a person to the address book (no `client`) or edit one; either way the desk's Contact
	with the same details follows. Returns the client's card."""
	values = as_object(values)
	if client in (None, ""):
		name = contacts.create_client(values, require_operator())
	else:
		name = reachable_client(client)
		contacts.update_client(name, values)
	return workspace.client_card(name)


@frappe.whitelist()
@http_errors
def find_companies(search: str) -> list[dict]:
	"""Companies by name or INN, for the card's company field."""
	require_operator()
	return companies.find_companies(search)


@frappe.whitelist()
@http_errors
def client_company(client: str | int) -> dict | None:
	"""The client's company as the card shows it: contract and its validity, support terms, responsible
	employees."""
	name = reachable_client(client)
	return companies.company_card(frappe.db.get_value("IQC Client", name, "company"))


@frappe.whitelist(methods=["POST"])
@http_errors
def create_task(conversation: str | int, description: str, due_date: str) -> dict:
	"""A task about the conversation's client for me, due today or later. Returns the client's tasks."""
	doc = workable_conversation(conversation)
	client_tasks.create_task(doc, frappe.session.user, description, due_date)
	return client_tasks.tasks_of(doc.client)


@frappe.whitelist(methods=["POST"])
@http_errors
def close_task(task: str) -> dict:
	require_operator()
	client = client_tasks.close_task(task, frappe.session.user)
	return client_tasks.tasks_of(client)


@frappe.whitelist()
@http_errors
def client_tasks_of(client: str | int) -> dict:
	return client_tasks.tasks_of(reachable_client(client))


@frappe.whitelist(methods=["POST"])
@http_errors
def create_deal(conversation: str | int, title: str, amount: float | None = None) -> dict:
	"""A deal about the conversation's client in ERPNext or Frappe CRM, whichever is installed."""
	doc = workable_conversation(conversation)
	return client_tasks.create_deal(doc, frappe.session.user, title, amount)
