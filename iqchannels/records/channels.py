"""A channel's record as the inbound path reads it, for every message (layer: records)."""

import frappe


def cached_channel(name) -> "frappe.model.document.Document | None":
	"""The channel from Frappe's document cache (which a save or a `set_value` of the channel clears),
	or None for a name that is no channel: a message costs no read of the channel's row."""
	if not name or not isinstance(name, str):
		return None
	try:
		return frappe.get_cached_doc("IQC Channel", name)
	except frappe.DoesNotExistError:
		# Frappe leaves a "not found" note for the answer: the caller says what it means instead.
		frappe.clear_last_message()
		return None
