# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import re

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_time

from iqchannels.engine.rules import RoutingRule, digits, valid_pattern


class IQCRoutingRule(Document):
	def validate(self):
		if self.pattern and not valid_pattern(self.pattern):
			frappe.throw(_("The pattern is not a valid regular expression."))


def as_rule(row) -> RoutingRule:
	return RoutingRule(
		name=row.name,
		line=row.line,
		channel=row.channel or None,
		client_type=row.client_type or None,
		vip={"Yes": True, "No": False}.get(row.vip),
		language=(row.language or "").strip() or None,
		words=tuple(w.strip() for w in re.split(r"[,\n]", row.words or "") if w.strip()),
		pattern=row.pattern or None,
		dialled=tuple(digits(n) for n in re.split(r"[,\n]", row.dialled_numbers or "") if digits(n)),
		# Time fields are filled with the current time when left empty: the window counts only when on.
		time_from=get_time(row.time_from) if row.time_window and row.time_from else None,
		time_to=get_time(row.time_to) if row.time_window and row.time_to else None,
	)
