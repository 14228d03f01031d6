"""Which adapter serves which channel type (layer: channels): the one place that names them all, and
the delivery attempts that every delivering channel shares.

Adding a channel is adding its module and one line here."""

from datetime import timedelta

import frappe
from frappe.utils import cint, now_datetime

from iqchannels.channels.base import ATTEMPT_QUEUE, ChannelAdapter, DeliveryError, schedule
from iqchannels.channels.delivery_jobs import lost, take_over
from iqchannels.channels.email import EmailChannel
from iqchannels.channels.phone import PhoneChannel
from iqchannels.channels.telegram import TelegramBot
from iqchannels.channels.webhooks import PartnerApi
from iqchannels.channels.widget import WebChat
from iqchannels.records.clients import mark_unreachable
from iqchannels.records.job_relay import relay
from iqchannels.records.messages import publish_delivery

ADAPTERS: dict[str, ChannelAdapter] = {
	adapter.channel_type: adapter
	for adapter in (WebChat(), PartnerApi(), TelegramBot(), EmailChannel(), PhoneChannel())
}
# Channel types whose adapter is still to come keep replies in the history for the client's side.
READS_HISTORY = ChannelAdapter()
# Minutes to wait after the 1st, 2nd, ... failed attempt; one more failure and the message is Failed.
RETRY_AFTER_MINUTES = (1, 2, 5, 15, 30, 60)


def adapter_of(channel: str) -> ChannelAdapter:
	return ADAPTERS.get(frappe.get_cached_value("IQC Channel", channel, "channel_type"), READS_HISTORY)


def attempt(message: int) -> str:
	"""One attempt to deliver a Pending message through its channel (an RQ job); returns the
	message's delivery state after it."""
	doc = frappe.get_doc("IQC Message", cint(message))
	if doc.delivery_status != "Pending":
		return doc.delivery_status
	attempts = cint(doc.delivery_attempts) + 1
	changes = {"delivery_attempts": attempts}
	try:
		sent_id = adapter_of(doc.channel).send(doc)
	except DeliveryError as e:
		changes.update(after_failure(e, attempts))
		if e.unreachable:
			mark_unreachable(doc.client, doc.channel, e.reason)
	except Exception as e:
		# A fault of ours or of a library: the operator sees it, and the next attempt may go through.
		frappe.log_error(title=f"IQChannels: delivery of message {doc.name}")
		changes.update(after_failure(DeliveryError(f"{type(e).__name__}: {str(e)[:200]}"), attempts))
	else:
		changes.update(delivery_status="Sent", delivery_error=None, next_attempt_at=None)
		if sent_id:
			changes["external_id"] = sent_id
	frappe.db.set_value("IQC Message", doc.name, changes, update_modified=False)
	doc.update(changes)
	if "delivery_status" in changes:
		publish_delivery(doc)
	return doc.delivery_status


def after_failure(error: DeliveryError, attempts: int) -> dict:
	"""What a failed attempt leaves: a pause before the next one, or Failed with the reason."""
	# A channel that asks for a pause (flood control) gets twice the patience before it is given up.
	if error.permanent or attempts > len(RETRY_AFTER_MINUTES) * (2 if error.retry_after else 1):
		return {"delivery_status": "Failed", "delivery_error": error.reason, "next_attempt_at": None}
	wait = (
		timedelta(seconds=error.retry_after)
		if error.retry_after
		else timedelta(minutes=RETRY_AFTER_MINUTES[min(attempts, len(RETRY_AFTER_MINUTES)) - 1])
	)
	return {"delivery_error": error.reason, "next_attempt_at": now_datetime() + wait}


# A first attempt is looked at this long after its message was stored, as its job was enqueued right after
# the commit: a job that neither waits in the queue nor runs was lost (see channels.delivery_jobs).
LOST_AFTER = timedelta(seconds=10)


def retry_due() -> list[int]:
	"""Scheduler job, and asked for at once after the queue's Redis lost its jobs: deliveries whose
	pause is over go out again, and first attempts whose job was lost go out at last. A job still
	waiting keeps its place."""
	now = now_datetime()
	paused = frappe.db.sql_list(
		"""select name from `tabIQC Message` where delivery_status='Pending' and next_attempt_at <= %s
		order by name limit 1000""",
		now,
	)
	first = frappe.db.sql_list(
		"""select name from `tabIQC Message` where delivery_status='Pending' and next_attempt_at is null
		and creation <= %s order by name limit 1000""",
		now - LOST_AFTER,
	)
	lost(paused)  # a dead job of theirs would deduplicate their retry away
	due = sorted(set(paused) | set(lost(first)))
	for name in due:
		schedule(name)
	return due


def attempt_job(message: int) -> str:
	"""The queued attempt of a message; then the delivery jobs still waiting are made in this process
	rather than each in a job of its own (see channels.delivery_jobs), and the jobs of this app that
	come behind them (see job_relay)."""
	state = attempt(message)
	frappe.db.commit()
	take_over(attempt)
	relay(ATTEMPT_QUEUE)
	return state
