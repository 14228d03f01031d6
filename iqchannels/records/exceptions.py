"""HTTP-aware errors of the app and the bridge from the engine's DomainError to them (layer: records)."""

import functools

import frappe
from frappe import _

from iqchannels.engine.model import DomainError


class InvalidInput(frappe.ValidationError):
	http_status_code = 400


class BadSignature(frappe.AuthenticationError):
	http_status_code = 401


class Conflict(frappe.ValidationError):
	http_status_code = 409


HTTP_ERRORS = {
	"invalid": InvalidInput,
	"forbidden": frappe.PermissionError,
	"not_found": frappe.DoesNotExistError,
	"conflict": Conflict,
}


def fail(kind: str, message: str, *args, **params):
	"""Stop the request with a translated, human message and the HTTP status that fits `kind`."""
	text = _(message).format(*args, **params) if args or params else _(message)
	frappe.throw(text, exc=HTTP_ERRORS[kind], title=_("Not done"))


def http_errors(fn):
	"""Turn the engine's refusals inside a whitelisted function into HTTP answers."""

	@functools.wraps(fn)
	def wrapper(*args, **kwargs):
		try:
			return fn(*args, **kwargs)
		except DomainError as error:
			fail(error.kind, error.message, **error.params)

	return wrapper
