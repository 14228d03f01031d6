"""Rows the app writes itself (layer: records, the lowest): without the desk's save machinery.

The desk's `insert` checks every link, runs the controller and every app's document hooks (Frappe's
Assignment Rule among them) and clears caches: right for a form, and several times the cost of the write
on the inbound path, where the app has just read or made every value it stores. What the doctype
declares still holds: its defaults, its naming, and the database's unique keys.

A numbered (autoincrement) document takes its number from the doctype's sequence here, as Frappe's
naming would, without the naming hooks (`before_naming`, `autoname`, their notifications and webhooks):
none of them can change a number, and on a first message their cache reads cost a millisecond.
"""

import frappe


def fast_insert(doc):
	"""Store a document built from values the app has just read itself (messages, logs)."""
	numbered(doc)
	doc.db_insert()
	return doc


def numbered(doc) -> None:
	if not doc.name and frappe.get_meta(doc.doctype).autoname == "autoincrement":
		doc.name = frappe.db.get_next_sequence_val(doc.doctype)


def insert_row(doctype: str, **values):
	"""A new document of `doctype` with its declared defaults and `values`, child rows included,
	written as plain rows. A unique key it breaks raises frappe.UniqueValidationError, as `insert` does."""
	defaults = guest_defaults(doctype)
	if defaults is None:
		doc = frappe.new_doc(doctype, **values)
	else:
		doc = frappe.get_doc({"doctype": doctype, **defaults, **values})
		doc._fix_numeric_types()
	numbered(doc)
	doc.db_insert()
	doc.set_parent_in_children()
	for child in doc.get_all_children():
		child.db_insert()
	return doc


def guest_defaults(doctype: str) -> dict | None:
	"""The defaults `frappe.new_doc` fills in for a guest (a client writing in), read from the doctype
	alone: a field's declared default, a Select's first option. `new_doc` also reads the user's
	permissions and defaults each time, a good part of a new client's first message; a guest has no
	permissions, and where a site default or a default that depends on the moment could apply, this
	is None and `new_doc` is used."""
	if frappe.session.user != "Guest":
		return None
	meta = frappe.get_meta(doctype)
	site_defaults = frappe.defaults.get_defaults()
	values = {}
	for df in meta.fields:
		default = df.get("default")
		if (
			df.fieldtype == "Time"
			or (default and (default in ("__user", "Today") or str(default).startswith(":")))
			or (default and df.fieldtype == "Datetime" and str(default).lower() == "now")
			or (df.fieldtype == "Link" and df.options != "User" and site_defaults.get(df.fieldname))
		):
			return None
		if default:
			values[df.fieldname] = default
		elif df.fieldtype == "Select" and df.options and df.options not in ("[Select]", "Loading..."):
			values[df.fieldname] = df.options.split("\n", 1)[0]
	return values


def insert_rows(doctype: str, rows: list[dict], chunk: int = 1000) -> list:
	"""Many new documents of a numbered (autoincrement) doctype in a few multi-row inserts: their
	numbers taken from the doctype's sequence in one read per chunk. Returns the numbers, in order."""
	if not rows:
		return []
	now, user = frappe.utils.now_datetime(), frappe.session.user
	fields = [
		"name",
		"creation",
		"modified",
		"owner",
		"modified_by",
		*sorted({f for row in rows for f in row}),
	]
	sequence = f"{frappe.scrub(doctype)}_id_seq"
	names = []
	for start in range(0, len(rows), chunk):
		part = rows[start : start + chunk]
		# MariaDB's seq_1_to_N table: as many numbers as rows, in one statement.
		numbers = [n for (n,) in frappe.db.sql(f"select nextval(`{sequence}`) from seq_1_to_{len(part)}")]
		values = [
			[number, now, now, user, user, *(row.get(f) for f in fields[5:])]
			for number, row in zip(numbers, part, strict=True)
		]
		frappe.db.bulk_insert(doctype, fields, values)
		names += numbers
	return names
