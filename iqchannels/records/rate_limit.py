"""Rate limits of the public endpoints, counted in Redis with the counter and its expiry set together (layer: records and infrastructure).

An endpoint declares its limits with `rate_limit`; they are counted as the request arrives (`enforce`,
called from the app's `before_request` hook), so that a caller over a limit is refused with HTTP 429
before the request reads a table or opens a transaction. A call that reaches the endpoint some other
way (Frappe's older `cmd` form) is counted by the decorator itself, once.

The address a limit counts is the peer the web server saw. Only when that peer is the site's own
reverse proxy (loopback by default: bench's nginx; more in the site config's
`iqchannels_trusted_proxies`) does the address come from X-Forwarded-For, the entry the proxy added
last: any other caller could write whatever it likes there, and Frappe's own `request_ip` takes it.

Frappe's `rate_limit` reads a counter, sets its expiry and increments it in separate steps: a counter
that expires between them is made again by the increment, without an expiry, and locks its caller
out for good. Here one Lua script increments and, when the counter has no expiry, gives it one, in
one atomic step; a counter left without an expiry by any earlier code gets one on its next call.

`iqchannels_rate_limit_scale` in the site config multiplies every limit (2 doubles them).
"""

from functools import wraps

import frappe
from frappe import _

# KEYS: the counters; ARGV: their windows in seconds. Returns the count of each in its current window.
COUNT = """
local counts = {}
for i, key in ipairs(KEYS) do
	counts[i] = redis.call('INCR', key)
	if redis.call('TTL', key) < 0 then
		redis.call('EXPIRE', key, ARGV[i])
	end
end
return counts
"""
LIMITS = "iqc_rate_limits"
COUNTED = "iqc_rate_counted"  # set on the request once its calls are counted
LOOPBACK = ("127.0.0.1", "::1")


def rate_limit(limit: int, seconds: int, key: str | None = None):
	"""At most `limit` calls within `seconds` from one address, or from one address and one value of
	the request's field `key` (a visitor's token, say). Over the limit the caller gets HTTP 429."""

	def decorator(fn):
		@wraps(fn)
		def wrapper(*args, **kwargs):
			if frappe.request:
				enforce(wrapper)
			return fn(*args, **kwargs)

		# The outer decorator's limit is counted first, as it was written first.
		setattr(wrapper, LIMITS, ((limit, seconds, key), *getattr(fn, LIMITS, ())))
		return wrapper

	return decorator


def limits_of(fn) -> tuple:
	return getattr(fn, LIMITS, ())


def enforce(fn) -> None:
	"""Count this request against the limits of the endpoint `fn`, once a request; over any of them,
	refuse it with HTTP 429."""
	limits = limits_of(fn)
	if not limits or getattr(frappe.request, COUNTED, False):
		return
	setattr(frappe.request, COUNTED, True)
	endpoint, address = f"{fn.__module__}.{fn.__qualname__}", client_address()
	names = []
	for _limit, _seconds, key in limits:
		identity = address + (":" + str(frappe.form_dict.get(key) or "") if key else "")
		names.append(f"{endpoint}:{identity}")
	counts = count_all(names, [seconds for _limit, seconds, _key in limits])
	scale = frappe.conf.get("iqchannels_rate_limit_scale") or 1
	if any(n > max(1, int(limit * scale)) for n, (limit, _s, _k) in zip(counts, limits, strict=True)):
		frappe.throw(
			_("Too many requests: wait a moment and try again."),
			frappe.RateLimitExceededError,
			title=_("Not done"),
		)


def client_address() -> str:
	"""The caller's address: the peer, or what the site's own proxy says the peer was."""
	peer = frappe.request.remote_addr or ""
	forwarded = frappe.get_request_header("X-Forwarded-For")
	if forwarded and peer in (frappe.conf.get("iqchannels_trusted_proxies") or LOOPBACK):
		return forwarded.rsplit(",", 1)[-1].strip()
	return peer


def count(name: str, seconds: int) -> int:
	"""Add one call to the counter `name` and return the calls counted in its window."""
	return count_all([name], [seconds])[0]


def count_all(names: list[str], windows: list[int]) -> list[int]:
	"""Add one call to each counter, in one round trip to Redis."""
	keys = [counter_key(name) for name in names]
	return [int(n) for n in frappe.cache.eval(COUNT, len(keys), *keys, *windows)]


def counter_key(name: str) -> str:
	return frappe.cache.make_key(f"rl:{name}")
