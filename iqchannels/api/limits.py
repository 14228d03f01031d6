"""The public endpoints' rate limits, counted before anything else of a request is done (layer: endpoints).

Hooked as the first `before_request`: a caller over a limit of the method it calls is answered 429
with a message for a person before its arguments are checked or a table is read, so that a flood
costs the site little more than Frappe's own setup of each request.
"""

from iqchannels.api.arguments import called_method
from iqchannels.records.rate_limit import enforce


def refuse_floods() -> None:
	fn = called_method()
	if fn:
		enforce(fn)
