"""The clients' endpoints of the workspace (layer: endpoints): the card's edits, identities and merging
two profiles of one person.

An operator works with the clients whose conversations they can see; supervisors with all of them.
"""

import frappe
from frappe.utils import cint

from iqchannels.api.operator import require_operator
from iqchannels.records import clients, roles
from iqchannels.records.exceptions import fail, http_errors
from iqchannels.views import workspace


def visible_client(client: str | int) -> str:
	"""The client if the current user sees at least one of their conversations."""
	require_operator()
	if not str(client or "").isdigit() or not frappe.db.exists("IQC Client", cint(client)):
		fail("not_found", "Client {0} does not exist.", client)
	if not roles.is_supervisor() and not frappe.get_list(
		"IQC Conversation", filters={"client": str(client)}, pluck="name", limit=1
	):
		fail("forbidden", "Client {0} is not one of your clients.", client)
	return str(cint(client))


@frappe.whitelist(methods=["POST"])
@http_errors
def update_client(client: str | int, values: dict | str) -> dict:
	"""Save an edit of the client's card (name, VIP, type, contacts, work, notes)."""
	name = visible_client(client)
	values = frappe.parse_json(values) if isinstance(values, str) else values
	if not isinstance(values, dict):
		fail("invalid", "Send the changed fields as an object.")
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
