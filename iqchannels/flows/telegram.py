"""Telegram updates into the one inbound path (layer: flows): from the webhook, or fetched by the poller.

An update becomes at most one client's message: the message's Telegram id (`<chat>:<message>`) is its
external id, so an update delivered again stores nothing twice, and an edit (a new update for the same
message) changes the stored one. An update that cannot be understood is acknowledged and logged for the
supervisors, with nothing written.

The poller (`bench --site SITE iqchannels-telegram-poll`) long-polls getUpdates for every enabled
Telegram channel in Polling mode, one thread each. The channel's `telegram_offset` (the next update_id
it wants) is written in the same transaction as the messages an update made, so after a restart the
next getUpdates neither skips nor repeats one. Errors are kept as the channel's last error and waited
out with growing pauses; SIGTERM stops it between two updates.
"""

import json
import signal
import threading

import frappe
from frappe import _
from frappe.utils import cint

from iqchannels.channels import telegram, telegram_api
from iqchannels.flows.receiving import receive
from iqchannels.records import channel_errors

DEFAULT_POLL_TIMEOUT = 25
# Seconds to wait after the 1st, 2nd, ... failed round in a row.
BACKOFF_SECONDS = (1, 2, 5, 10, 30, 60)
# An update whose handling keeps failing (a fault, not Telegram) is logged and passed over after this.
MAX_TRIES_OF_AN_UPDATE = 3
CHANNELS_REFRESH_SECONDS = 30


def take_update(channel, update):
	"""Store what an update carries; returns (message, created), or None when there is nothing to
	store (not a client's message, or not understood: then logged)."""
	try:
		inbound = telegram.normalise(channel, update)
	except telegram.Unreadable as e:
		log_unreadable(channel, update, str(e))
		return None
	if inbound is None:
		return None
	try:
		return receive(inbound)
	except frappe.ValidationError as e:
		# Bad input is refused before anything is written (see receiving.receive).
		frappe.clear_last_message()
		log_unreadable(channel, update, str(e))
		return None


def log_unreadable(channel, update, reason: str) -> None:
	body = update if isinstance(update, str | bytes) else json.dumps(update, ensure_ascii=False, indent=1)
	if isinstance(body, bytes):
		body = body.decode(errors="replace")
	frappe.log_error(
		title=_("IQChannels: {0}: a Telegram update not understood").format(channel.name)[:140],
		message=_("Reason: {0}").format(reason) + "\n\n" + body[:20000],
		reference_doctype="IQC Channel",
		reference_name=channel.name,
	)


# --- polling ----------------------------------------------------------------------------------------


def polling_channels() -> list[str]:
	return frappe.get_all(
		"IQC Channel",
		filters={"channel_type": telegram.CHANNEL_TYPE, "enabled": 1, "telegram_mode": "Polling"},
		pluck="name",
		order_by="name",
	)


def poll(name: str, timeout: float = DEFAULT_POLL_TIMEOUT, failures: dict | None = None, busy=None) -> int:
	"""One getUpdates round for a channel: each update stored and the offset moved past it in one
	transaction. Returns how many updates came. Raises TelegramError (kept as the channel's error)."""
	channel = frappe.get_doc("IQC Channel", name)
	offset = cint(channel.telegram_offset)
	# A long poll holds no transaction open: the next read sees what others committed meanwhile.
	frappe.db.commit()
	api = telegram_api.BotApi(channel)
	params = {"timeout": int(timeout), "allowed_updates": telegram.ALLOWED_UPDATES}
	if offset:
		params["offset"] = offset
	try:
		try:
			updates = api.call("getUpdates", params, timeout=timeout + telegram_api.TIMEOUT_SECONDS)
		except telegram_api.TelegramError as e:
			if e.code != 409:
				raise
			# A webhook is still set from the channel's Webhook mode: polling needs it gone.
			api.call("deleteWebhook")
			updates = api.call("getUpdates", params, timeout=timeout + telegram_api.TIMEOUT_SECONDS)
	except telegram_api.TelegramError as e:
		frappe.db.rollback()
		channel_errors.report(name, polling_error(e))
		frappe.db.commit()
		raise
	with busy or threading.Lock():
		for update in updates or []:
			take_polled(channel, update, failures if failures is not None else {})
	if channel.last_error:
		channel_errors.clear(name)
		frappe.db.commit()
	return len(updates or [])


def take_polled(channel, update: dict, failures: dict) -> None:
	update_id = update.get("update_id") if isinstance(update, dict) else None
	if not isinstance(update_id, int):
		log_unreadable(channel, update, _("The update has no update_id."))
		frappe.db.commit()
		return
	try:
		take_update(channel, update)
	except Exception:
		frappe.db.rollback()
		tries = failures[update_id] = failures.get(update_id, 0) + 1
		if tries < MAX_TRIES_OF_AN_UPDATE:
			raise
		# Given up: the update is logged with the fault, so the channel's later updates still come in.
		frappe.log_error(
			title=_("IQChannels: {0}: a Telegram update passed over").format(channel.name)[:140],
			message=frappe.get_traceback() + "\n\n" + json.dumps(update, ensure_ascii=False)[:20000],
			reference_doctype="IQC Channel",
			reference_name=channel.name,
		)
	failures.pop(update_id, None)
	frappe.db.set_value("IQC Channel", channel.name, "telegram_offset", update_id + 1, update_modified=False)
	frappe.db.commit()


def polling_error(error: telegram_api.TelegramError) -> str:
	if error.code in (401, 404):
		return _("Telegram does not accept the bot's token ({0}).").format(error.description)
	if error.code is None:
		return error.description
	return _("Telegram refused getUpdates: {0}").format(error.description)


def poll_all_once(timeout: float = 0) -> dict:
	"""One round over every polling channel, in this process: {channel: updates taken or the error}."""
	done = {}
	for name in polling_channels():
		try:
			done[name] = poll(name, timeout)
		except telegram_api.TelegramError as e:
			done[name] = str(e)
	return done


class ChannelPoller(threading.Thread):
	"""Long-polls one channel with its own site connection until the channel stops polling or the
	process is asked to stop; `busy` is held while updates are written, never while waiting on Telegram."""

	def __init__(self, site: str, name: str, timeout: float, stopping: threading.Event):
		super().__init__(name=f"telegram-poll:{name}", daemon=True)
		self.site, self.channel, self.timeout, self.stopping = site, name, timeout, stopping
		self.busy = threading.Lock()

	def run(self) -> None:
		frappe.init(site=self.site)
		frappe.connect()
		errors, failures = 0, {}
		try:
			while not self.stopping.is_set():
				if self.channel not in polling_channels():
					return
				try:
					poll(self.channel, self.timeout, failures, self.busy)
					errors = 0
					continue
				except telegram_api.TelegramError:
					errors += 1  # kept as the channel's last error by `poll`
				except Exception:
					frappe.db.rollback()
					frappe.log_error(title=_("IQChannels: {0}: Telegram polling").format(self.channel)[:140])
					frappe.db.commit()
					errors += 1
				self.stopping.wait(BACKOFF_SECONDS[min(errors, len(BACKOFF_SECONDS)) - 1])
		finally:
			frappe.destroy()


def run(site: str, timeout: float = DEFAULT_POLL_TIMEOUT, once: bool = False, echo=print) -> None:
	"""The poller's process: one round (`once`), or until SIGTERM / SIGINT."""
	frappe.init(site=site)
	frappe.connect()
	try:
		if once:
			for name, taken in poll_all_once(timeout).items():
				echo(f"{name}: {taken}")
			return
		stopping = threading.Event()
		for signum in (signal.SIGTERM, signal.SIGINT):
			signal.signal(signum, lambda *_args: stopping.set())
		pollers: dict[str, ChannelPoller] = {}
		while not stopping.is_set():
			for name in polling_channels():
				if name not in pollers or not pollers[name].is_alive():
					pollers[name] = ChannelPoller(site, name, timeout, stopping)
					pollers[name].start()
			frappe.db.commit()
			stopping.wait(CHANNELS_REFRESH_SECONDS)
		# A poller waiting on getUpdates has nothing in hand and may go with the process; one writing
		# updates is let finish.
		for poller in pollers.values():
			with poller.busy:
				pass
	finally:
		frappe.destroy()
