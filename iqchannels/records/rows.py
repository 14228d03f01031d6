"""Rows the app writes itself (layer: records, the lowest): without the desk's save machinery.

The desk's `insert` checks every link, runs the controller and every app's document hooks (Frappe's
Assignment Rule among them) and clears caches: right for a form, and several times the cost of the write
on the inbound path, where the app has just read or made every value it stores. What the doctype
declares still holds: its defaults, its naming, and the database's unique keys.
"""

import frappe


def fast_insert(doc):
	"""Store a document built from values the app has just read itself (messages, logs)."""
	doc.db_insert()
	return doc


def insert_row(doctype: str, **values):
	"""A new document of `doctype` with its declared defaults and `values`, child rows included,
	written as plain rows. A unique key it breaks raises frappe.UniqueValidationError, as `insert` does."""
	doc = frappe.new_doc(doctype, **values)
	doc.db_insert()
	doc.set_parent_in_children()
	for child in doc.get_all_children():
		child.db_insert()
	return doc


def insert_rows(doctype: str, rows: list[dict], chunk: int = 1000) -> list:
	"""Many new documents of a numbered (autoincrement) doctype in a few multi-row inserts: their
	numbers taken from the doctype's sequence in one read per chunk. Returns the numbers, in order."""
	if not rows:
		return []
	now, user = frappe.utils.now_datetime(), frappe.session.user
	fields = ["name", "creation", "modified", "owner", "modified_by", *sorted({f for row in rows for f in row})]
	sequence = f"{frappe.scrub(doctype)}_id_seq"
	names = []
	for start in range(0, len(rows), chunk):
		part = rows[start : start + chunk]
		# MariaDB's seq_1_to_N table: as many numbers as rows, in one statement.
		numbers = [n for (n,) in frappe.db.sql(f"select nextval(`{sequence}`) from seq_1_to_{len(part)}")]
		values = [[number, now, now, user, user, *(row.get(f) for f in fields[5:])] for number, row in zip(numbers, part, strict=True)]
		frappe.db.bulk_insert(doctype, fields, values)
		names += numbers
	return names
