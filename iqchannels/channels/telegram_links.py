"""The web chat's "Continue in Telegram" (layer: channels): a link to the bot whose /start payload the
site signed, so that the visitor's Telegram messages join the profile they already have."""

import base64
import hashlib
import hmac
import re
import time

import frappe
from frappe.utils import cint

from iqchannels.channels.telegram_api import CHANNEL_TYPE
from iqchannels.records import signing
from iqchannels.records.clients import identity_owner

# The payload: <client>_<expiry, base 36>_<signature>, at most 64 of [A-Za-z0-9_-].
START_LINK_SECONDS = 24 * 3600
START_PAYLOAD = re.compile(r"^([0-9]{1,12})_([0-9a-z]{1,8})_([A-Za-z0-9_-]{22})$")


def start_link(widget_channel, client) -> str | None:
	"""The link that opens the bot of the web chat's Telegram channel and joins `client`'s profile
	there; None when the web chat has no Telegram channel with a known bot."""
	name = widget_channel.get("continue_in_telegram")
	if not name or not client:
		return None
	telegram = frappe.get_cached_doc("IQC Channel", name)
	if telegram.channel_type != CHANNEL_TYPE or not telegram.enabled or not telegram.bot_username:
		return None
	expires = base36(int(time.time()) + START_LINK_SECONDS)
	payload = f"{cint(client)}_{expires}_{start_signature(telegram, cint(client), expires)}"
	return f"https://t.me/{telegram.bot_username}?start={payload}"


def start_signature(telegram, client: int, expires: str) -> str:
	secret = telegram.get_password("secret", raise_exception=False) or ""
	digest = hmac.new(secret.encode(), f"telegram-start:{client}:{expires}".encode(), hashlib.sha256).digest()
	return base64.urlsafe_b64encode(digest).decode()[:22]


def start_join(channel, payload: str, user_id: int) -> str | None:
	"""The profile a signed /start payload names; None for a payload that is not the site's, expired,
	or when this Telegram user already has a profile of their own (an identity is never moved)."""
	match = START_PAYLOAD.match(payload or "")
	if not match or not channel.get_password("secret", raise_exception=False):
		return None
	client, expires, signature = match.groups()
	if not signing.same(start_signature(channel, int(client), expires), signature):
		return None
	if int(expires, 36) < time.time():
		return None
	target = frappe.db.get_value("IQC Client", client, ["name", "merged_into"], as_dict=True)
	if not target:
		return None
	target = str(target.merged_into or target.name)
	owner = identity_owner(channel.name, str(user_id))
	if owner and str(owner) != target:
		return None
	return target


def base36(number: int) -> str:
	digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	out = ""
	while number:
		number, rest = divmod(number, 36)
		out = digits[rest] + out
	return out or "0"
