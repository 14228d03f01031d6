"""A channel's last error (layer: records): shown on the channel's form in the desk, and kept in the
Error Log that supervisors read, so a wrong token or a mail server that is down is seen where it is set."""

import frappe
from frappe.utils import now_datetime


def report(channel: str, error: str) -> None:
	"""Record what went wrong with the channel; the same error again only refreshes its time."""
	error = str(error)[:1000]
	if frappe.db.get_value("IQC Channel", channel, "last_error") != error:
		frappe.log_error(title=f"IQChannels: {channel}", message=error)
	frappe.db.set_value(
		"IQC Channel", channel, {"last_error": error, "last_error_at": now_datetime()}, update_modified=False
	)


def clear(channel: str) -> None:
	"""The channel works again."""
	if frappe.db.get_value("IQC Channel", channel, "last_error"):
		frappe.db.set_value(
			"IQC Channel", channel, {"last_error": None, "last_error_at": None}, update_modified=False
		)
