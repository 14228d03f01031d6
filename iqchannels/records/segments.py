"""Segments (projects) over lines and channels, and supervisors limited to some of them (layer: records).

A conversation belongs to the segment of its line: the line is where it is worked, so the line decides,
and a transfer to a line of another segment moves the conversation there. A ticket likewise belongs to
its line's segment. Channels carry a segment too, for their own lists and filters.

A supervisor listed in *IQC Supervisor Segment* sees only the listed segments (their lines'
conversations, tickets, queues and statistics); a supervisor not listed there sees everything.
"""

import frappe

from iqchannels.records import roles
from iqchannels.records.exceptions import fail

LIMITS = "IQC Supervisor Segment"


def limited_segments(user: str | None = None) -> list[str] | None:
	"""The segments a supervisor is limited to; None when nothing limits them (operators are limited by
	their lines instead, so None for them too)."""
	user = user or frappe.session.user
	if user == "Administrator" or not roles.is_supervisor(user):
		return None
	cache = frappe.flags.setdefault("iqc_segment_limits", {})
	if user not in cache:
		cache[user] = frappe.get_all(LIMITS, filters={"user": user}, pluck="segment", order_by="segment")
	return cache[user] or None


def clear_cache(doc=None, method=None) -> None:
	"""Hooked on the limits' changes: the per-request cache must not outlive a change in the same request."""
	frappe.flags.pop("iqc_segment_limits", None)


def lines_in(segments: list[str]) -> list[str]:
	if not segments:
		return []
	return frappe.get_all("IQC Line", filters={"segment": ["in", segments]}, pluck="name", order_by="name")


def channels_in(segments: list[str]) -> list[str]:
	if not segments:
		return []
	return frappe.get_all("IQC Channel", filters={"segment": ["in", segments]}, pluck="name", order_by="name")


def segment_of_line(line: str | None) -> str | None:
	return frappe.get_cached_value("IQC Line", line, "segment") if line else None


def scope(user: str | None = None, requested: str | None = None) -> list[str] | None:
	"""The segments a read is narrowed to: the one the user asked for (which must be theirs when they are
	limited), else all of theirs when they are limited, else None (no narrowing)."""
	limits = limited_segments(user)
	if requested:
		if not frappe.db.exists("IQC Segment", requested):
			fail("invalid", "Unknown segment {0}.", requested)
		if limits is not None and requested not in limits:
			fail("forbidden", "You oversee only the segments {0}.", ", ".join(limits))
		return [requested]
	return limits


def line_condition(column: str, segments: list[str] | None) -> str:
	"""SQL: the row's line (`column`) lies in `segments`; empty when `segments` is None (no narrowing)."""
	if segments is None:
		return ""
	lines = lines_in(segments)
	if not lines:
		return "1=0"
	return f"{column} in ({', '.join(frappe.db.escape(line) for line in lines)})"


def may_see_line(line: str | None, user: str | None = None) -> bool:
	"""Whether a limited supervisor's segments hold `line` (always true for those not limited)."""
	limits = limited_segments(user)
	return limits is None or bool(line and segment_of_line(line) in limits)


def visible_segments(user: str | None = None) -> list[dict]:
	"""The segments a user may filter by, with their lines and channels (for the workspace's and the
	monitor's filters)."""
	limits = limited_segments(user)
	filters = {"name": ["in", limits]} if limits is not None else {}
	names = frappe.get_all("IQC Segment", filters=filters, pluck="name", order_by="name")
	lines, channels = {}, {}
	for name, segment in frappe.get_all(
		"IQC Line", filters={"segment": ["in", names or [""]]}, fields=["name", "segment"], as_list=True
	):
		lines.setdefault(segment, []).append(name)
	for name, segment in frappe.get_all(
		"IQC Channel", filters={"segment": ["in", names or [""]]}, fields=["name", "segment"], as_list=True
	):
		channels.setdefault(segment, []).append(name)
	return [
		{"name": name, "lines": sorted(lines.get(name, [])), "channels": sorted(channels.get(name, []))}
		for name in names
	]
