"""The arguments of the app's endpoints, checked before Frappe calls them (layer: endpoints).

Frappe answers a call without a required argument with a server error (a TypeError in the call), and an
argument of the wrong type with HTTP 417 and no message for a person. Hooked as `before_request`, this
module refuses both for the app's whitelisted methods with HTTP 400 and a translated message naming the
argument, before anything is read or written. Calls the caller may not make at all are left to Frappe's
own refusal (403), so that no argument check tells a guest about a method closed to them.
"""

import inspect
import typing

import frappe
from frappe import _
from frappe.exceptions import FrappeTypeError
from frappe.utils.typing_validations import transform_parameter_types

from iqchannels.records.exceptions import fail

PREFIXES = ("/api/method/", "/api/v1/method/", "/api/v2/method/")
APP = "iqchannels."


def check_arguments() -> None:
	fn = called_method()
	if not fn:
		return
	sent = frappe.form_dict
	for name, param in inspect.signature(fn).parameters.items():
		if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
			continue
		required = param.default is param.empty
		if sent.get(name) is None and (required or name not in sent):
			if required:
				fail("invalid", "{0} is missing.", name)
			continue
		if not fits(fn, name, sent[name]):
			fail("invalid", "{0} must be {1}.", name, described(param.annotation))


def fits(fn, name: str, value) -> bool:
	"""Whether Frappe's own check of the type hints accepts `value` as the argument `name` of `fn`."""
	try:
		transform_parameter_types(fn, (), {name: value})
	except FrappeTypeError:
		return False
	return True


CALLED = "iqc_called_method"


def called_method():
	"""The app's whitelisted function this request calls, when the caller may call it at all (found once
	a request: the rate limits and the argument check both ask)."""
	request = frappe.local.request
	if request is not None and hasattr(request, CALLED):
		return getattr(request, CALLED)
	fn = find_called_method(request)
	if request is not None:
		setattr(request, CALLED, fn)
	return fn


def find_called_method(request):
	path = request.path if request else ""
	prefix = next((prefix for prefix in PREFIXES if path.startswith(prefix)), None)
	dotted = path[len(prefix) :] if prefix else ""
	if not dotted.startswith(APP):
		return None
	try:
		fn = frappe.get_attr(dotted)
	except Exception:
		return None  # an unknown method: Frappe answers it
	fn = getattr(fn, "__func__", fn)
	if fn not in frappe.whitelisted:
		return None
	if frappe.session.user == "Guest" and fn not in frappe.guest_methods:
		return None
	if request.method not in frappe.allowed_http_methods_for_whitelisted_func.get(fn, ()):
		return None
	return fn


def described(annotation) -> str:
	"""How a person would say what a parameter takes: "a whole number or text"."""
	names = {
		str: _("text"),
		int: _("a whole number"),
		float: _("a number"),
		bool: _("yes or no (1 or 0)"),
		dict: _("an object"),
		list: _("a list"),
	}
	kinds = typing.get_args(annotation) or (annotation,)
	said = list(dict.fromkeys(names[kind] for kind in kinds if kind in names))
	return f" {_('or')} ".join(said) or _("a valid value")
