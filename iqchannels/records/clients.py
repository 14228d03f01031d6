"""Client profiles (layer: records): one profile per customer, joined by the identities the channels know them by."""

import frappe
from frappe import _

from iqchannels.records.exceptions import fail
from iqchannels.records.rows import insert_row

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


def client_for_identity(channel, external_id: str, profile: dict | None = None, **options) -> str:
	"""The client that `external_id` on `channel` belongs to, made on first contact (see find_or_make_client)."""
	return find_or_make_client(channel, external_id, profile, **options)[0]


def find_or_make_client(
	channel,
	external_id: str,
	profile: dict | None = None,
	join: str | None = None,
	customer_id: str | None = None,
	label: str | None = None,
) -> tuple[str, bool]:
	"""The client that `external_id` on `channel` belongs to, and whether this transaction made the
	profile just now (no other request can see it before the commit). `label`: how the identity shows
	on the card (@username, an address), kept up to date.

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
		if label:
			relabel(channel.name, external_id, label)
		return owner, False
	if not join and customer_id:
		join = (
			frappe.db.sql_list("select name from `tabIQC Client` where customer_id=%s", customer_id) or [None]
		)[0]
	if join:
		return attach_identity(join, channel.name, external_id, profile, label), False
	return create_client(channel, external_id, profile, customer_id, label)


def create_client(
	channel, external_id: str, profile: dict, customer_id: str | None = None, label: str | None = None
) -> tuple[str, bool]:
	"""A new profile with its first identity, written as plain rows: every value is the channel's, and
	the unique keys (an identity, a customer's id) keep one profile per customer. Returns (name, True),
	or the profile another request made a moment earlier, (name, False)."""
	frappe.db.savepoint("iqc_new_client")
	try:
		client = insert_row(
			"IQC Client",
			client_type="Identified" if customer_id else TYPE_BY_CHANNEL.get(channel.channel_type, "Channel"),
			customer_id=customer_id,
			**profile,
			identities=[{"channel": channel.name, "external_id": external_id, "label": label}],
		)
	except frappe.UniqueValidationError:
		# The same new customer wrote twice at once. The unique key made this insert wait until the
		# other request committed its profile, which a locking read now sees.
		undo_to("iqc_new_client")
		if owner := identity_owner(channel.name, external_id, latest=True):
			return owner, False
		if customer_id and (join := customer_owner(customer_id)):
			return attach_identity(join, channel.name, external_id, profile, label), False
		raise
	return str(client.name), True


def customer_owner(customer_id: str) -> str | None:
	"""The profile carrying the company's id of a customer, as committed now (a locking read)."""
	rows = frappe.db.sql(
		"select name from `tabIQC Client` where customer_id=%s lock in share mode", customer_id
	)
	return rows[0][0] if rows else None


def attach_identity(
	client: str, channel: str, external_id: str, profile: dict, label: str | None = None
) -> str:
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
				"label": label,
			}
		).db_insert()
	except frappe.UniqueValidationError:
		undo_to("iqc_new_identity")
		owner = identity_owner(channel, external_id, latest=True)
		if str(owner) != str(client):
			fail("conflict", "This identity already belongs to another client ({0}).", owner)
	fill_blank_fields(client, profile)
	return client


def relabel(channel: str, external_id: str, label: str) -> None:
	"""A username or a display address can change; the identity stays the same."""
	frappe.db.sql(
		"""update `tabIQC Client Identity` set label=%s
		where channel=%s and external_id=%s and parenttype='IQC Client' and coalesce(label, '') != %s""",
		(label, channel, external_id, label),
	)


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


def mark_unreachable(client: str, channel: str, reason: str) -> None:
	"""The client can no longer be reached on the channel (they blocked the bot): their card says so
	until they write there again."""
	frappe.db.sql(
		"""update `tabIQC Client Identity` set unreachable=1, unreachable_reason=%s
		where parent=%s and parenttype='IQC Client' and channel=%s""",
		(reason[:500], str(client), channel),
	)


def mark_reachable(client: str, channel: str) -> None:
	frappe.db.sql(
		"""update `tabIQC Client Identity` set unreachable=0, unreachable_reason=null
		where parent=%s and parenttype='IQC Client' and channel=%s and unreachable=1""",
		(str(client), channel),
	)


# A person's details on the card, which an operator edits and a merge fills in where they are missing.
DETAIL_FIELDS = (
	"full_name",
	"email",
	"phone",
	"company",
	"inn",
	"position",
	"department",
	"region",
	"language",
	"birthday",
)
MERGED_FIELDS = (*DETAIL_FIELDS, "responsible_operator")


def merge(keep: str, other: str, user: str) -> None:
	"""Two profiles are one person: `other`'s conversations, messages, tickets and identities move to
	`keep`, which takes the details it lacked. `other` stays, marked as merged, so that links to it in
	logs and reports still lead somewhere."""
	keep, other = str(keep), str(other)
	if keep == other:
		fail("invalid", "A client cannot be merged with themselves.")
	rows = {
		str(row.name): row
		for row in frappe.get_all(
			"IQC Client",
			filters={"name": ["in", [keep, other]]},
			fields=["name", "merged_into", "customer_id", "notes", *MERGED_FIELDS],
		)
	}
	for name in (keep, other):
		if name not in rows:
			fail("not_found", "Client {0} does not exist.", name)
		if rows[name].merged_into:
			fail("conflict", "Client {0} was already merged into client {1}.", name, rows[name].merged_into)
	if clash := open_on_same_channel(keep, other):
		fail("conflict", "Both clients have an open conversation on {0}: close one of them first.", clash)
	for doctype, fieldname in links_to_clients():
		frappe.db.sql(f"update `tab{doctype}` set `{fieldname}`=%s where `{fieldname}`=%s", (keep, other))
	frappe.db.sql(
		"update `tabIQC Conversation` set client_name=%s where client=%s",
		(rows[keep].full_name or rows[other].full_name, keep),
	)
	frappe.db.sql(
		"""update `tabIQC Client Identity` set parent=%s, idx=idx + 1000
		where parent=%s and parenttype='IQC Client'""",
		(keep, other),
	)
	fill = {f: rows[other][f] for f in MERGED_FIELDS if rows[other][f] and not rows[keep][f]}
	if rows[other].notes:
		fill["notes"] = "\n\n".join(n for n in (rows[keep].notes, rows[other].notes) if n)
	if rows[other].customer_id and not rows[keep].customer_id:
		# The company's id of the customer is unique: it leaves the merged profile first.
		frappe.db.set_value("IQC Client", other, "customer_id", None)
		fill["customer_id"] = rows[other].customer_id
	if fill:
		frappe.db.set_value("IQC Client", keep, fill)
	frappe.db.set_value("IQC Client", other, "merged_into", keep)
	frappe.get_doc("IQC Client", keep).add_comment(
		"Info", _("Client {0} merged into this profile by {1}").format(other, user)
	)


def open_on_same_channel(keep: str, other: str) -> str | None:
	"""A channel on which both profiles have an open conversation: merged, the client would have two."""
	rows = frappe.db.sql(
		"""select a.channel from `tabIQC Conversation` a
		join `tabIQC Conversation` b on b.channel = a.channel and b.client = %s and b.status != 'Closed'
		where a.client = %s and a.status != 'Closed' limit 1""",
		(other, keep),
	)
	return rows[0][0] if rows else None


def links_to_clients() -> list[tuple[str, str]]:
	"""(doctype, field) of every link to a client profile on the site, the app's own and any other
	app's, except the mark of a merge itself."""
	fields = frappe.get_all(
		"DocField",
		filters={"fieldtype": "Link", "options": "IQC Client"},
		fields=["parent", "fieldname"],
	) + frappe.get_all(
		"Custom Field",
		filters={"fieldtype": "Link", "options": "IQC Client"},
		fields=["dt as parent", "fieldname"],
	)
	return sorted(
		(f.parent, f.fieldname)
		for f in fields
		if (f.parent, f.fieldname) != ("IQC Client", "merged_into") and not frappe.get_meta(f.parent).issingle
	)
