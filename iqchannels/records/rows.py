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
