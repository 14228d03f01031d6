"""A sample shop page with the chat button, as a customer's website would show it (layer: endpoints)."""

import frappe

no_cache = 1


def get_context(context):
	context.channel = frappe.form_dict.get("channel") or "Demo Website Chat"
	return context
