"""Arguments as people and programs send them, read with a refusal a person understands when they are
malformed (layer: records and infrastructure)."""

import re
from datetime import date, datetime

import frappe
from frappe.utils import add_days, cint, get_datetime, getdate, today

from iqchannels.records.exceptions import fail


def json_argument(value, name: str):
	"""`value`, parsed when it came as JSON text; a refusal naming `name` when that text is not JSON."""
	if not isinstance(value, str):
		return value
	try:
		return frappe.parse_json(value)
	except ValueError:
		fail("invalid", "{0} is not valid JSON.", name)


def date_argument(value) -> date:
	"""`value` as a date. Frappe refuses text that is no date itself; a number too large for a date, a
	day that does not exist (30 February) and MySQL's zero date (which Frappe reads as no date) are
	refused here."""
	try:
		found = getdate(value)
	except (OverflowError, ValueError, TypeError):
		found = None
	if found is None:
		fail("invalid", "{0} is not a date.", str(value)[:40])
	return found


PLAIN_NUMBER = re.compile(r"[0-9]{1,18}")


def plain_number(value) -> int | None:
	"""A whole number as sent, in at most 18 ASCII digits (a record's name, a rating); None for anything
	else, a bool or digits of other scripts among them (`isdigit` accepts "²", which `int` refuses)."""
	if isinstance(value, bool) or value is None:
		return None
	text = str(value).strip()
	return int(text) if PLAIN_NUMBER.fullmatch(text) else None


REPORT_DAYS = 30


def report_period(filters) -> tuple[datetime, datetime]:
	"""[start, end) of the whole days a report's `from_date` and `to_date` name: the last 30 days when
	they are not given."""
	first = date_argument(filters.get("from_date") or add_days(today(), -REPORT_DAYS))
	last = date_argument(filters.get("to_date") or today())
	if first > last:
		fail("invalid", "The period starts after it ends.")
	return get_datetime(first), get_datetime(add_days(last, 1))


MAX_PAGE = 200
# No list has a billion rows: a larger start is a typing error, answered with an empty page (and a start
# past what MariaDB's LIMIT takes would be a server error).
MAX_START = 1_000_000_000


def page_start(value) -> int:
	return min(max(cint(value), 0), MAX_START)


def page_length(value, default: int = 50) -> int:
	return min(max(cint(value) or default, 1), MAX_PAGE)


MAX_SEARCH = 140


def search_text(value) -> str:
	"""What a person typed into a search box, its spaces collapsed. Longer than anything a person looks
	for, it is refused: each search compares it with every row it scans."""
	text = " ".join(str(value or "").split())
	if len(text) > MAX_SEARCH:
		fail("invalid", "Search for at most 140 characters.")  # MAX_SEARCH
	return text
