"""Reading a document's Password field where every inbound request needs one (layer: records).

A channel's secret checks each signed request, web-chat token and webhook call. Frappe's
`get_password` builds its query with the query builder each time, which cost a new client's first
message about a millisecond; this is the same read and decryption in one plain statement.
"""

import frappe


def decrypted(doctype: str, name: str, fieldname: str) -> str | None:
	"""The field's stored value, decrypted; None when none is stored."""
	rows = frappe.db.sql(
		"""select `password` from `__Auth`
		where `doctype`=%s and `name`=%s and `fieldname`=%s and `encrypted`=1 limit 1""",
		(doctype, str(name), fieldname),
	)
	if not rows or not rows[0][0]:
		return None
	# Imported here: it brings in passlib, which a background job (a fresh fork of its worker) would
	# otherwise import for nothing whenever it touches a channel.
	from frappe.utils.password import decrypt

	return decrypt(rows[0][0], key=f"{doctype}.{name}.{fieldname}")
