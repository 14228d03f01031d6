"""The partner API channel's adapter (layer: channels): operators' replies delivered to the partner's webhook.

Each reply is posted as JSON signed like the inbound API (`X-IQChannels-Signature: sha256=<HMAC-SHA256
of the raw body with the channel's secret>`) by an RQ job enqueued after the reply is stored. An answer
outside 2xx, or no answer, is retried with growing pauses by the minute's sweep; after the last one the
reply is marked Failed and the operator sees it. The partner then reports what became of the message
through the signed `iqchannels.api.inbound.status` callback (delivered, read).
"""

import json
from datetime import timedelta

import frappe
import requests
from frappe.utils import cint, now_datetime

from iqchannels.channels.base import ChannelAdapter
from iqchannels.records.messages import publish_delivery
from iqchannels.records.signing import sign

SIGNATURE_HEADER = "X-IQChannels-Signature"
TIMEOUT_SECONDS = 10
# Minutes to wait after the 1st, 2nd, ... failed attempt; one more failure and the reply is Failed.
RETRY_AFTER_MINUTES = (1, 2, 5, 15, 30, 60)


def wants_delivery(channel: str) -> bool:
	return bool(frappe.get_cached_value("IQC Channel", channel, "webhook_url"))


def schedule(message: str | int) -> None:
	frappe.enqueue(
		"iqchannels.channels.webhooks.deliver",
		queue="short",
		message=cint(message),
		job_id=f"iqc-deliver-{message}",
		deduplicate=True,
		enqueue_after_commit=True,
	)


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


def deliver(message: int) -> str:
	"""One attempt; returns the message's delivery state after it."""
	doc = frappe.get_doc("IQC Message", cint(message))
	if doc.delivery_status != "Pending":
		return doc.delivery_status
	channel = frappe.get_cached_doc("IQC Channel", doc.channel)
	body = payload(doc)
	error = None
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
		if not answer.ok:
			error = f"HTTP {answer.status_code}: {answer.text[:200]}"
	except requests.RequestException as e:
		error = f"{type(e).__name__}: {str(e)[:200]}"
	attempts = cint(doc.delivery_attempts) + 1
	if error is None:
		changes = {
			"delivery_status": "Sent",
			"delivery_attempts": attempts,
			"delivery_error": None,
			"next_attempt_at": None,
		}
	elif attempts > len(RETRY_AFTER_MINUTES):
		changes = {
			"delivery_status": "Failed",
			"delivery_attempts": attempts,
			"delivery_error": error,
			"next_attempt_at": None,
		}
	else:
		wait = timedelta(minutes=RETRY_AFTER_MINUTES[attempts - 1])
		changes = {
			"delivery_attempts": attempts,
			"delivery_error": error,
			"next_attempt_at": now_datetime() + wait,
		}
	frappe.db.set_value("IQC Message", doc.name, changes, update_modified=False)
	doc.update(changes)
	if "delivery_status" in changes:
		publish_delivery(doc)
	return doc.delivery_status


def retry_due() -> list[int]:
	"""Scheduler job: deliveries whose pause is over go out again."""
	due = frappe.get_all(
		"IQC Message",
		filters={"delivery_status": "Pending", "next_attempt_at": ["<=", now_datetime()]},
		pluck="name",
		limit=500,
	)
	for name in due:
		schedule(name)
	return due


class PartnerApi(ChannelAdapter):
	"""A partner's system: replies go to its webhook when it has one; otherwise it reads the history."""

	channel_type = "API"

	def reply_state(self, channel: str) -> str:
		return "Pending" if wants_delivery(channel) else "Sent"

	def deliver(self, conversation, message) -> None:
		if message.delivery_status == "Pending":
			schedule(message.name)
