"""Telegram's webhook (layer: endpoints): the updates of a channel's bot, POSTed by Telegram.

POST /api/method/iqchannels.api.telegram.webhook?channel=<channel> with an Update as JSON and the
header `X-Telegram-Bot-Api-Secret-Token`, the channel's secret given to setWebhook when the channel was
saved. A request without the right secret is refused with 403 and writes nothing. Every update that
gets past it is answered 200, also one that cannot be understood (it is logged for the supervisors),
so that Telegram does not send it again; 5xx (Telegram then retries) only when the update could not be
handled now: a file that could not be fetched, the database busy.
"""

import json

import frappe
from frappe import _

from iqchannels.channels.telegram import CHANNEL_TYPE
from iqchannels.flows.telegram import log_unreadable, take_update
from iqchannels.records.channels import cached_channel
from iqchannels.records.exceptions import fail
from iqchannels.records.passwords import decrypted
from iqchannels.records.rate_limit import rate_limit
from iqchannels.records.signing import same

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1024 * 1024


@frappe.whitelist(allow_guest=True, methods=["POST"])
# Telegram posts a bot's updates from a few addresses: a busy bot, 100 updates a second.
@rate_limit(limit=6000, seconds=60)
def webhook() -> dict:
	channel = verified_channel(frappe.request.args.get("channel"))
	body = frappe.request.get_data(cache=True) or b""
	if len(body) > MAX_BODY_BYTES:
		log_unreadable(channel, body[:2000], _("The update is larger than {0} bytes.").format(MAX_BODY_BYTES))
		return {"ok": True}
	try:
		update = json.loads(body)
	except ValueError:
		update = None
	if not isinstance(update, dict):
		log_unreadable(channel, body[:20000], _("The update is not a JSON object."))
		return {"ok": True}
	taken = take_update(channel, update)
	return {"ok": True, "message": taken[0].name if taken else None}


def verified_channel(name):
	"""The enabled Telegram channel the request is for, once the request's secret is the channel's."""
	channel = cached_channel(name)
	secret = (
		decrypted("IQC Channel", channel.name, "secret")
		if channel and channel.channel_type == CHANNEL_TYPE
		else None
	)
	given = frappe.get_request_header(SECRET_HEADER) or ""
	# Compared in constant time, so the answer's timing tells nothing of the secret.
	if not secret or not same(secret, given):
		fail("forbidden", "This request does not come from the channel's Telegram bot.")
	if not channel.enabled:
		fail("forbidden", "Channel {0} is disabled.", channel.name)
	return channel
