"""What the scale benchmarks share: writing test data straight into the tables, and timing a read.

Imported by the benchmark scripts beside it (a script's own folder is on Python's path)."""

import itertools
import statistics
import time

import frappe
from frappe.utils import now_datetime

BATCH = 5000


def insert(doctype: str, fields: list[str], rows, stamped: bool = True) -> int | None:
	"""Rows in batches; numbered doctypes get their numbers from the doctype's own sequence, which
	is then moved past them. Returns the first number given, if any. Unless `stamped` is False (the
	rows carry their own), creation and modified are now."""
	from frappe.database.sequence import get_next_val, set_next_val

	numbered = frappe.get_meta(doctype).autoname == "autoincrement"
	first = get_next_val(doctype) if numbered else None
	names = itertools.count(first) if numbered else None
	stamps = ["creation", "modified"] if stamped else []
	columns = ", ".join(f"`{f}`" for f in [*stamps, *(["name"] if numbered else []), *fields])
	placeholders = ", ".join(["%s"] * (len(fields) + len(stamps) + numbered))
	query = f"insert into `tab{doctype}` ({columns}) values ({placeholders})"
	now = now_datetime()
	batch, last = [], None
	for row in rows:
		if numbered:
			last = next(names)
			row = (last, *row)
		batch.append((now, now, *row) if stamped else row)
		if len(batch) == BATCH:
			frappe.db._cursor.executemany(query, batch)
			batch = []
	if batch:
		frappe.db._cursor.executemany(query, batch)
	if numbered and last is not None:
		set_next_val(doctype, last + 1)
	return first


def timed(fn, repeat: int) -> tuple[float, object]:
	"""The median of `repeat` runs in milliseconds, and the last result."""
	times, result = [], None
	for _ in range(repeat):
		started = time.perf_counter()
		result = fn()
		times.append(time.perf_counter() - started)
	return statistics.median(times) * 1000, result
