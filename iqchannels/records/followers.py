"""An operator's list of clients and the favourites among them, who are followed live (layer: records).

A favourite's events reach the follower and the follower may read that client's conversations; being
a follower never lets anyone write in them.
"""

import frappe
from frappe.utils import cint, now_datetime

ENTRY = "IQC Client List Entry"


def followers_of(client: str | int | None) -> list[str]:
	"""Operators who made the client a favourite: one read on the (client, favourite) index."""
	if not client:
		return []
	return frappe.db.sql_list(
		"select operator from `tabIQC Client List Entry` where client=%s and favourite=1", str(client)
	)


def is_follower(client: str | int | None, user: str) -> bool:
	if not client:
		return False
	return bool(frappe.db.exists(ENTRY, {"client": str(client), "operator": user, "favourite": 1}))


def followed_condition(user: str, client_column: str) -> str:
	"""SQL: the row's client is one of the user's favourites."""
	return (
		f"exists (select 1 from `tabIQC Client List Entry` follow where follow.client = {client_column} "
		f"and follow.operator = {frappe.db.escape(user)} and follow.favourite = 1)"
	)


def entry_of(user: str, client: str) -> frappe._dict | None:
	rows = frappe.db.sql(
		"select name, favourite, added_at from `tabIQC Client List Entry` where operator=%s and client=%s",
		(user, str(client)),
		as_dict=True,
	)
	return rows[0] if rows else None


def keep(user: str, client: str, favourite: bool | None = None) -> frappe._dict:
	"""Put the client in the operator's list (again: the added date moves to now), and with
	`favourite` make them a favourite or not. Two clicks at once leave one entry."""
	now = now_datetime()
	values = {"operator": user, "client": str(client), "now": now, "favourite": cint(favourite or 0)}
	keep_favourite = "favourite" if favourite is None else "values(favourite)"
	frappe.db.sql(
		f"""insert into `tabIQC Client List Entry`
			(name, operator, client, client_name, favourite, added_at, creation, modified, owner, modified_by)
		select nextval(`iqc_client_list_entry_id_seq`), %(operator)s, %(client)s, full_name, %(favourite)s, %(now)s, %(now)s, %(now)s,
			%(operator)s, %(operator)s
		from `tabIQC Client` where name = %(client)s
		on duplicate key update added_at = values(added_at), modified = values(modified),
			favourite = {keep_favourite}""",
		values,
	)
	return entry_of(user, client)


def unfollow(user: str, client: str) -> None:
	frappe.db.sql(
		"update `tabIQC Client List Entry` set favourite=0, modified=%s where operator=%s and client=%s",
		(now_datetime(), user, str(client)),
	)


def remove(user: str, client: str) -> None:
	frappe.db.sql(
		"delete from `tabIQC Client List Entry` where operator=%s and client=%s", (user, str(client))
	)


def followers_of_many(clients: list) -> dict[str, list[str]]:
	"""The followers of many clients in one read, by client."""
	if not clients:
		return {}
	found: dict[str, list[str]] = {}
	for client, operator in frappe.db.sql(
		"select client, operator from `tabIQC Client List Entry` where favourite=1 and client in %s",
		[tuple(str(c) for c in clients)],
	):
		found.setdefault(str(client), []).append(operator)
	return found
