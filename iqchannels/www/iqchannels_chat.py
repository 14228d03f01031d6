"""The chat a website's visitors see, in an iframe that the embed script opens (see README (layer: endpoints).md)."""

import frappe
from frappe.translate import get_translations_from_csv

from iqchannels.channels.widget import widget_channel

no_cache = 1


def get_context(context):
	context.no_breadcrumbs = True
	try:
		chat = widget_channel(frappe.form_dict.get("channel"))
	except (frappe.DoesNotExistError, frappe.PermissionError, frappe.ValidationError) as error:
		frappe.clear_messages()
		context.error = str(error)
		return context
	lang = frappe.local.lang or "en"
	context.lang = lang
	context.title = chat.channel_name
	context.config = {
		"channel": chat.name,
		"title": chat.channel_name,
		"lang": lang,
		"messages": get_translations_from_csv(lang, "iqchannels") if lang != "en" else {},
		"site": frappe.local.site,
		# As the desk does: under `bench start` socket.io listens on its own port.
		"socketio_port": frappe.conf.socketio_port if frappe.local.dev_server else None,
	}
	return context
