"""Rate limits of the public endpoints, counted in Redis with the counter and its expiry set together (layer: records and infrastructure).

Frappe's `rate_limit` reads a counter, sets its expiry and increments it in separate steps: a counter
that expires between them is made again by the increment, without an expiry, and locks its caller
out for good. Here one Lua script increments and, when the counter has no expiry, gives it one, in
one atomic step; a counter left without an expiry by any earlier code gets one on its next call.
"""

from functools import wraps

import frappe
from frappe import _

# KEYS[1]: the counter; ARGV[1]: the window in seconds. Returns the count in the current window.
COUNT = """
local count = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then
	redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""


def rate_limit(limit: int, seconds: int, key: str | None = None):
	"""At most `limit` calls within `seconds` from one address, or from one address and one value of
	the request's field `key` (a visitor's token, say). Over the limit the caller gets HTTP 429."""

	def decorator(fn):
		@wraps(fn)
		def wrapper(*args, **kwargs):
			if frappe.request:
				identity = frappe.local.request_ip or ""
				if key:
					identity += ":" + str(frappe.form_dict.get(key) or "")
				if count(f"{frappe.form_dict.cmd}:{identity}", seconds) > limit:
					frappe.throw(
						_("Too many requests: wait a moment and try again."),
						frappe.RateLimitExceededError,
						title=_("Not done"),
					)
			return fn(*args, **kwargs)

		return wrapper

	return decorator


def count(name: str, seconds: int) -> int:
	"""Add one call to the counter `name` and return the calls counted in its window."""
	return int(frappe.cache.eval(COUNT, 1, counter_key(name), seconds))


def counter_key(name: str) -> str:
	return frappe.cache.make_key(f"rl:{name}")
