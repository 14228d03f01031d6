"""The partner API channel's adapter (layer: channels): operators' replies delivered to the partner's webhook.

Each reply is posted as JSON signed like the inbound API (`X-IQChannels-Signature: sha256=<HMAC-SHA256
of the raw body with the channel's secret>`) by an RQ job enqueued after the reply is stored. An answer
outside 2xx, or no answer, is retried with growing pauses (channels.registry.attempt); after the last
one the reply is marked Failed and the operator sees it. The partner then reports what became of the message
through the signed `iqchannels.api.inbound.status` callback (delivered, read).
"""

import json

import frappe
import requests
from frappe.utils import cint

from iqchannels.channels.base import ChannelAdapter, DeliveryError
from iqchannels.records.signing import sign

SIGNATURE_HEADER = "X-IQChannels-Signature"
TIMEOUT_SECONDS = 10


def wants_delivery(channel: str) -> bool:
	return bool(frappe.get_cached_value("IQC Channel", channel, "webhook_url"))


def payload(message) -> bytes:
	external_id = frappe.db.get_value(
		"IQC Client Identity",
		{"parent": str(message.client), "parenttype": "IQC Client", "channel": message.channel},
		"external_id",
	)
	body = {
		"event": "message",
		"channel": message.channel,
		"message": {
			"id": message.name,
			"conversation": cint(message.conversation),
			"kind": message.kind,
			"text": message.text,
			"attachment": frappe.utils.get_url(message.attachment) if message.attachment else None,
			"author_name": frappe.utils.get_fullname(message.author).split(" ")[0]
			if message.author
			else None,
			"sent_at": str(message.sent_at),
		},
		"client": {"id": external_id},
	}
	return json.dumps(body, ensure_ascii=False).encode()


class PartnerApi(ChannelAdapter):
	"""A partner's system: replies go to its webhook when it has one; otherwise it reads the history."""

	channel_type = "API"

	def delivers(self, channel: str) -> bool:
		return wants_delivery(channel)

	def send(self, message) -> None:
		channel = frappe.get_cached_doc("IQC Channel", message.channel)
		body = payload(message)
		try:
			answer = requests.post(
				channel.webhook_url,
				data=body,
				headers={
					"Content-Type": "application/json",
					SIGNATURE_HEADER: sign(channel.get_password("secret", raise_exception=False) or "", body),
				},
				timeout=TIMEOUT_SECONDS,
			)
		except requests.RequestException as e:
			raise DeliveryError(f"{type(e).__name__}: {str(e)[:200]}") from e
		if not answer.ok:
			raise DeliveryError(f"HTTP {answer.status_code}: {answer.text[:200]}")
