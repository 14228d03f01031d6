"""Two-level lines (layer: records): a line may name its second line, where conversations that need deeper
help go; the chain of second lines never comes back to where it started."""

import frappe
from frappe import _

from iqchannels.records.exceptions import InvalidInput


def check_second_line(line) -> None:
	"""Refuse a second line that is the line itself or leads back to it through other second lines."""
	if not line.second_line:
		return
	if line.second_line == line.name:
		frappe.throw(_("A line cannot be its own second line."), InvalidInput)
	seen = [line.name]
	current = line.second_line
	while current:
		if current in seen:
			frappe.throw(
				_(
					"Line {0} cannot have {1} as its second line: they would send conversations round in a loop ({2})."
				).format(line.name, line.second_line, " → ".join([*seen, current])),
				InvalidInput,
			)
		seen.append(current)
		current = frappe.db.get_value("IQC Line", current, "second_line")


def first_lines_of(line: str) -> list[str]:
	"""The lines that name `line` as their second line."""
	return frappe.get_all("IQC Line", filters={"second_line": line}, pluck="name", order_by="name")
