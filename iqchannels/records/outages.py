"""A database or Redis gone for a moment, answered as such (layer: records and infrastructure).

While MariaDB or Redis restarts, a request meets a refused or broken connection. Frappe answers that
as a server error, with a stack trace when tracebacks are allowed; when the database is the one gone,
its own rollback at the end of the request fails too and the web server answers its bare 500 page.
Here such a request is answered 503 Service Unavailable with `Retry-After` and a sentence for a
person. Nothing of it was committed (the database rolls back a transaction whose connection is lost),
so the caller sends it again; a partner's message that carries its `message_id` is stored once, even
when a first copy was committed just before the connection broke.

A request refused before it touched the database (a flood's 429, a missing argument's 400) has nothing
to roll back, yet Frappe's end of a POST rolls back, and opening a MariaDB connection for that was a
fifth of a web worker's time under a flood. Its unused database handle is dropped instead.

Frappe has no hook for a request's exception: `install`, a `before_request` hook, wraps its
`handle_exception` once per process.
"""

import functools
import json

import frappe
import frappe.app
import pymysql
import redis
from werkzeug.wrappers import Response

RETRY_AFTER_SECONDS = 5
# MariaDB's errors of a connection refused, lost or killed, or of a server shutting down or full.
LOST_CONNECTION = {1040, 1053, 1077, 1927, 2002, 2003, 2006, 2013, 2055}


def install() -> None:
	if not getattr(frappe.app.handle_exception, "answers_outages", False):
		frappe.app.handle_exception = answering_outages(frappe.app.handle_exception)


def answering_outages(handle_exception):
	@functools.wraps(handle_exception)
	def handle(error):
		if cause := outage(error):
			return unavailable(cause)
		response = handle_exception(error)
		if getattr(frappe.local, "db", None) is not None and not frappe.local.db._conn:
			frappe.local.db = None  # never connected: nothing to roll back
		return response

	handle.answers_outages = True
	return handle


def outage(error: BaseException | None) -> BaseException | None:
	"""The lost connection behind `error` (itself, or what it was raised from), if any."""
	for _depth in range(5):
		if error is None:
			return None
		if is_lost_connection(error):
			return error
		error = error.__cause__ or error.__context__
	return None


def is_lost_connection(error: BaseException) -> bool:
	if isinstance(error, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
		return True
	if isinstance(error, pymysql.err.InterfaceError):
		return True  # a query on a connection already closed
	return (
		isinstance(error, pymysql.err.OperationalError)
		and bool(error.args)
		and (error.args[0] in LOST_CONNECTION)
	)


def unavailable(error: BaseException) -> Response:
	"""503 with Retry-After; the broken database connection is dropped, so that Frappe's end of the
	request does not roll back on it (the server has rolled the transaction back already)."""
	frappe.logger("iqchannels").warning(f"answered 503, {type(error).__name__}: {str(error)[:200]}")
	if isinstance(error, pymysql.err.Error):
		drop_database_connection()
	text = message()
	if (frappe.local.request.path or "").startswith("/api/"):
		body = json.dumps(
			{
				"exc_type": "ServiceUnavailable",
				"_server_messages": json.dumps([json.dumps({"message": text, "indicator": "orange"})]),
			}
		)
		mimetype = "application/json"
	else:
		body, mimetype = (
			f"<!doctype html><title>503</title><p>{frappe.utils.escape_html(text)}</p>",
			"text/html",
		)
	return Response(body, status=503, mimetype=mimetype, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def message() -> str:
	english = "The service is restarting: please send the request again in {0} seconds."
	try:
		return frappe._(english).format(RETRY_AFTER_SECONDS)
	except Exception:  # the translations live in Redis and the database, which may be the ones gone
		return english.format(RETRY_AFTER_SECONDS)


def drop_database_connection() -> None:
	try:
		frappe.local.db.close()
	except Exception:
		pass
	frappe.local.db = None
