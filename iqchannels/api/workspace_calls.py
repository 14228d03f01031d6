"""Calls in the operator workspace (layer: endpoints): the calls ringing for me with their clients' cards,
and one call's card (what the pop-up shows when the realtime event `iqchannels:call` arrives)."""

import frappe

from iqchannels.api.operator import require_operator
from iqchannels.records.exceptions import http_errors
from iqchannels.views import ringing


@frappe.whitelist()
@http_errors
def ringing_calls() -> list[dict]:
	"""The calls ringing at my extension now: the pop-ups to show after a reload or a reconnect."""
	return ringing.ringing_for(require_operator())


@frappe.whitelist()
@http_errors
def call_card(call: str | int) -> dict:
	"""A call with its client's card, recent history and the conversation to open for them."""
	return ringing.call_card(call, require_operator())
