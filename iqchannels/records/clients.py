"""Client profiles (layer: records): one profile per customer, joined by the identities the channels know them by."""

import frappe

from iqchannels.records.exceptions import fail

# Profile fields a channel may fill in; it never overwrites what an operator already wrote.
PROFILE_FIELDS = ("full_name", "email", "phone", "language")
TYPE_BY_CHANNEL = {"Web widget": "Anonymous", "Telegram": "Channel", "E-mail": "Channel", "API": "Identified"}


def identity_owner(channel: str, external_id: str, latest: bool = False) -> str | None:
	"""The client an identity belongs to; `latest`: as committed now, not as this transaction first
	saw it (a locking read), for when another request may have just made it."""
	rows = frappe.db.sql(
		f"""select parent from `tabIQC Client Identity`
		where channel=%s and external_id=%s and parenttype='IQC Client'
		{"lock in share mode" if latest else ""}""",
		(channel, external_id),
	)
	return rows[0][0] if rows else None


def client_for_identity(
	channel,
	external_id: str,
	profile: dict | None = None,
	join: str | None = None,
	customer_id: str | None = None,
) -> str:
	"""The client that `external_id` on `channel` belongs to, created on first contact.

	`join` names an existing profile the identity must belong to (a partner system that knows the
	customer already); an identity bound to someone else is refused rather than moved. `customer_id`,
	the company's own id of a customer whose identity a signature vouches for, joins the profile that
	already carries it, whichever channel made it.
	"""
	profile = {k: v for k, v in (profile or {}).items() if k in PROFILE_FIELDS and v}
	owner = identity_owner(channel.name, external_id)
	if join:
		if not frappe.db.exists("IQC Client", join):
			fail("not_found", "Client {0} does not exist.", join)
		if owner and str(owner) != str(join):
			fail("conflict", "This identity already belongs to another client ({0}).", owner)
	if owner:
		fill_blank_fields(owner, profile)
		return owner
	if not join and customer_id:
		join = frappe.db.get_value("IQC Client", {"customer_id": customer_id}, "name")
	if join:
		return attach_identity(join, channel.name, external_id, profile)
	return create_client(channel, external_id, profile, customer_id)


def create_client(channel, external_id: str, profile: dict, customer_id: str | None = None) -> str:
	client = frappe.get_doc(
		{
			"doctype": "IQC Client",
			"client_type": "Identified"
			if customer_id
			else TYPE_BY_CHANNEL.get(channel.channel_type, "Channel"),
			"customer_id": customer_id,
			**profile,
			"identities": [{"channel": channel.name, "external_id": external_id}],
		}
	)
	frappe.db.savepoint("iqc_new_client")
	try:
		client.insert(ignore_permissions=True)
	except frappe.UniqueValidationError:
		# The same new customer wrote twice at once. The unique key made this insert wait until the
		# other request committed its profile, which a locking read now sees.
		undo_to("iqc_new_client")
		if owner := identity_owner(channel.name, external_id, latest=True):
			return owner
		if customer_id and (join := customer_owner(customer_id)):
			return attach_identity(join, channel.name, external_id, profile)
		raise
	return client.name


def customer_owner(customer_id: str) -> str | None:
	"""The profile carrying the company's id of a customer, as committed now (a locking read)."""
	rows = frappe.db.sql(
		"select name from `tabIQC Client` where customer_id=%s lock in share mode", customer_id
	)
	return rows[0][0] if rows else None


def attach_identity(client: str, channel: str, external_id: str, profile: dict) -> str:
	"""Give a known client one more identity. Written as a row of its own, so that it works on a
	profile that another request has only just committed; the unique key keeps an identity to one
	client, and a request that lost the race to the same client finds it there."""
	frappe.db.savepoint("iqc_new_identity")
	try:
		frappe.get_doc(
			{
				"doctype": "IQC Client Identity",
				"parent": str(client),
				"parenttype": "IQC Client",
				"parentfield": "identities",
				"idx": frappe.db.sql(
					"""select coalesce(max(idx), 0) + 1 from `tabIQC Client Identity`
					where parent=%s and parenttype='IQC Client'""",
					str(client),
				)[0][0],
				"channel": channel,
				"external_id": external_id,
			}
		).db_insert()
	except frappe.UniqueValidationError:
		undo_to("iqc_new_identity")
		owner = identity_owner(channel, external_id, latest=True)
		if str(owner) != str(client):
			fail("conflict", "This identity already belongs to another client ({0}).", owner)
	fill_blank_fields(client, profile)
	return client


def undo_to(savepoint: str) -> None:
	"""Undo a write refused by a unique key, and Frappe's "must be unique" note it left for the answer."""
	frappe.db.rollback(save_point=savepoint)
	frappe.clear_last_message()


def fill_blank_fields(client: str, profile: dict) -> None:
	if not profile:
		return
	current = frappe.db.get_value("IQC Client", client, list(profile), as_dict=True)
	blanks = {k: v for k, v in profile.items() if not current.get(k)}
	if blanks:
		frappe.db.set_value("IQC Client", client, blanks)


def update_profile(client: str, values: dict, editable: list[str]) -> None:
	"""An operator's edit of the client's card: only the card's own fields, validated by the doctype."""
	unknown = sorted(set(values) - set(editable))
	if unknown:
		fail("invalid", "These fields cannot be changed here: {0}.", ", ".join(unknown))
	doc = frappe.get_doc("IQC Client", client)
	doc.update(values)
	doc.save(ignore_permissions=True)


def add_identity(client: str, channel: str, external_id: str) -> None:
	external_id = (external_id or "").strip()
	if not external_id:
		fail("invalid", "The identity has no id.")
	if not frappe.db.exists("IQC Channel", channel):
		fail("not_found", "Unknown channel {0}.", channel)
	owner = identity_owner(channel, external_id)
	if owner and str(owner) != str(client):
		fail("conflict", "This identity already belongs to another client ({0}).", owner)
	if owner:
		return
	doc = frappe.get_doc("IQC Client", client)
	doc.append("identities", {"channel": channel, "external_id": external_id})
	doc.save(ignore_permissions=True)


def remove_identity(client: str, identity: str) -> None:
	doc = frappe.get_doc("IQC Client", client)
	kept = [row for row in doc.identities if row.name != identity]
	if len(kept) == len(doc.identities):
		fail("not_found", "The client has no such identity.")
	doc.identities = kept
	doc.save(ignore_permissions=True)


def mark_seen(client: str) -> None:
	"""The client wrote or typed just now: the workspace shows them online."""
	frappe.db.set_value(
		"IQC Client", str(client), "last_seen_at", frappe.utils.now_datetime(), update_modified=False
	)
