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


def write_floor(prefix: str, channels: dict[str, str], **operator) -> tuple[str, str]:
	"""One operator (`prefix`-operator@bench.test, Offline; `operator`: more of its fields) serving one
	line (`prefix`-line), and the line's channels ({name: channel type}). Returns (user, line)."""
	now = now_datetime()
	user, line = f"{prefix}-operator@bench.test", f"{prefix}-line"
	frappe.db.sql(
		"insert into `tabUser` (name, email, first_name, enabled, creation, modified) values (%s, %s, 'Bench', 1, %s, %s)",
		(user, user, now, now),
	)
	frappe.db.sql(
		"""insert into `tabHas Role` (name, parent, parenttype, parentfield, role, creation, modified)
		values (%s, %s, 'User', 'roles', 'IQC Operator', %s, %s)""",
		(frappe.generate_hash(), user, now, now),
	)
	insert(
		"IQC Operator", ["name", "user", "status", *operator], [(user, user, "Offline", *operator.values())]
	)
	frappe.db.sql(
		"insert into `tabIQC Line` (name, line_name, mode, creation, modified) values (%s, %s, 'Automatic', %s, %s)",
		(line, line, now, now),
	)
	frappe.db.sql(
		"""insert into `tabIQC Line Member` (name, parent, parenttype, parentfield, operator, creation, modified)
		values (%s, %s, 'IQC Line', 'members', %s, %s, %s)""",
		(frappe.generate_hash(), line, user, now, now),
	)
	insert(
		"IQC Channel",
		["name", "channel_name", "channel_type", "default_line"],
		[(name, name, kind, line) for name, kind in channels.items()],
	)
	return user, line


def remove_floor(prefix: str, channels) -> None:
	"""What write_floor wrote."""
	user, line = f"{prefix}-operator@bench.test", f"{prefix}-line"
	frappe.db.sql("delete from `tabIQC Line Member` where parent=%s", line)
	frappe.db.sql("delete from `tabIQC Line` where name=%s", line)
	frappe.db.sql("delete from `tabIQC Channel` where name in %s", (tuple(channels),))
	frappe.db.sql("delete from `tabIQC Operator` where name=%s", user)
	frappe.db.sql("delete from `tabHas Role` where parent=%s", user)
	frappe.db.sql("delete from `tabUser` where name=%s", user)
