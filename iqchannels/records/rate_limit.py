"""Rate limits of the public endpoints, kept in Redis by one atomic script a call (layer: records and infrastructure).

An endpoint declares its limits with `rate_limit`; they are counted as the request arrives (`enforce`,
called from the app's `before_request` hook), so that a caller over a limit is refused with HTTP 429
before the request reads a table or opens a transaction. A call that reaches the endpoint some other
way (Frappe's older `cmd` form) is counted by the decorator itself, once.

A limit of N calls a minute lets a caller make a small burst at once (its allowance: a tenth of N, but
at least MIN_BURST calls and never more than N) and then one call every 60/N seconds: N a minute in the
long run, spread over the minute. A caller that floods has a call accepted at that pace, not a whole
minute's calls in the first seconds of a fixed window, so the calls a flood gets in do not pile up at
once and slow everyone else down. (The generic cell rate algorithm: each limit's key holds the time at
which the caller's calls so far would have been spent at the limit's pace; a call is refused while that
time is more than the allowance ahead of now. A refused call is not counted against anything.)

The address a limit counts is the peer the web server saw. Only when that peer is the site's own
reverse proxy (loopback by default: bench's nginx; more in the site config's
`iqchannels_trusted_proxies`) does the address come from X-Forwarded-For, the entry the proxy added
last: any other caller could write whatever it likes there, and Frappe's own `request_ip` takes it.

Every limit of a call is checked and counted in one Lua script with Redis's own clock, so two workers
cannot both take the last call of an allowance; every key is written with an expiry (when its time is
past, the caller has its whole allowance again), so none outlives its use. Frappe's own `rate_limit`
sets a counter and its expiry in separate steps and can lock a caller out for good.

`iqchannels_rate_limit_scale` in the site config multiplies every limit (2 doubles them).
"""

import math
from functools import wraps

import frappe
from frappe import _

# KEYS: the limits' keys; ARGV: for each, the microseconds between calls at its pace and how far ahead
# of now (its allowance less one call) its time may run. Returns 0 when the call is admitted and counted
# against every limit, or the number of the first limit it is over, counting nothing.
ADMIT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local times = {}
for i, key in ipairs(KEYS) do
	local pace, ahead = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
	local due = math.max(tonumber(redis.call('GET', key)) or 0, now)
	if due - now > ahead then
		return i
	end
	times[i] = due + pace
end
for i, key in ipairs(KEYS) do
	redis.call('SET', key, string.format('%d', times[i]), 'PX', math.ceil((times[i] - now) / 1000))
end
return 0
"""
# KEYS: one limit's key; ARGV: microseconds. Its time is set that far ahead of now.
HOLD = """
local clock = redis.call('TIME')
local ahead = tonumber(ARGV[1])
local due = tonumber(clock[1]) * 1000000 + tonumber(clock[2]) + ahead
redis.call('SET', KEYS[1], string.format('%d', due), 'PX', math.ceil(ahead / 1000))
return 0
"""
LIMITS = "iqc_rate_limits"
COUNTED = "iqc_rate_counted"  # set on the request once its calls are counted
LOOPBACK = ("127.0.0.1", "::1")
MIN_BURST = 5  # a visitor typing quickly sends a few messages in a row
BURST_SHARE = 10  # the allowance is a tenth of the limit


def rate_limit(limit: int, seconds: int, key: str | None = None):
	"""At most `limit` calls within `seconds` from one address, or from one address and one value of
	the request's field `key` (a visitor's token, say), in the long run; a few at once (`burst`). Over
	the limit the caller gets HTTP 429."""

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
	scale = frappe.conf.get("iqchannels_rate_limit_scale") or 1
	if admit(names, [(scaled(limit, scale), seconds) for limit, seconds, _key in limits]):
		frappe.throw(
			_("Too many requests: wait a moment and try again."),
			frappe.RateLimitExceededError,
			title=_("Not done"),
		)


def scaled(limit: int, scale: float) -> int:
	return max(1, int(limit * scale))


def burst(calls: int) -> int:
	"""How many calls a caller with its whole allowance may make at once under a limit of `calls`."""
	return min(calls, max(MIN_BURST, calls // BURST_SHARE))


def pace(calls: int, seconds: float) -> tuple[int, int]:
	"""(microseconds between calls at the limit's pace, how far ahead of now a caller's time may run)."""
	between = max(1, math.ceil(seconds * 1_000_000 / calls))
	return between, (burst(calls) - 1) * between


def client_address() -> str:
	"""The caller's address: the peer, or what the site's own proxy says the peer was."""
	peer = frappe.request.remote_addr or ""
	forwarded = frappe.get_request_header("X-Forwarded-For")
	if forwarded and peer in (frappe.conf.get("iqchannels_trusted_proxies") or LOOPBACK):
		return forwarded.rsplit(",", 1)[-1].strip()
	return peer


def admit(names: list[str], limits: list[tuple[int, float]]) -> int:
	"""Count one call under each limit (`calls` within `seconds`) of the callers `names`, in one round
	trip to Redis: 0 if admitted, else the number (from 1) of the first limit it is over."""
	keys = [counter_key(name) for name in names]
	paces = [n for calls, seconds in limits for n in pace(calls, seconds)]
	return int(frappe.cache.eval(ADMIT, len(keys), *keys, *paces))


def hold_off(name: str, seconds: float, window: float = 60) -> None:
	"""Refuse the caller `name` for at least `seconds` under a limit over `window` seconds, as after a
	flood far beyond its allowance (its time runs a window and `seconds` ahead: an allowance is less)."""
	frappe.cache.eval(HOLD, 1, counter_key(name), int((seconds + window) * 1_000_000))


def counter_key(name: str) -> str:
	return frappe.cache.make_key(f"rl:{name}")
