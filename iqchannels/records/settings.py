"""Reading IQChannels Settings with the defaults that apply when a field is left empty (layer: records)."""

from datetime import timedelta

import frappe
from frappe.utils import cint

DEFAULTS = {
	"default_slots": 5,
	"sticky_window_hours": 24,
	"auto_close_minutes": 60,
	"max_message_length": 4096,
	"max_file_size_mb": 10,
	"presence_timeout_minutes": 5,
	"transfer_timeout_seconds": 120,
	"sla_first_response_minutes": 5,
	"ticket_reopen_days": 7,
}


def settings():
	return frappe.get_cached_doc("IQC Settings")


def number(fieldname: str) -> int:
	value = settings().get(fieldname)
	return DEFAULTS.get(fieldname, 0) if value in (None, "") else cint(value)


def max_file_size_mb() -> int:
	"""Zero or empty means the default: a chat without files of any size is not a setting."""
	return number("max_file_size_mb") or DEFAULTS["max_file_size_mb"]


def auto_close_after() -> timedelta:
	return timedelta(minutes=number("auto_close_minutes"))


def offline_policy() -> str:
	return settings().offline_policy or "Return to queue"


def autoreply(channel, fieldname: str) -> str | None:
	"""A channel's own autoreply text, else the default from the settings."""
	return (channel.get(fieldname) if channel else None) or settings().get(fieldname) or None
