"""The Telegram channel's adapter (layer: channels): a bot that clients write to, through the Bot API
(https://core.telegram.org/bots/api).

What comes in: an update, from the webhook or from long polling, is turned into an `Inbound` message by
`normalise`: text, captions, replies and edits, the largest size of a photo, documents, video, voice,
audio, stickers (a static one as it is, an animated or video one by its thumbnail), locations and
contacts as text. Its files are fetched with getFile and checked like every other upload; one that is
not accepted is named in `refused`, and the client is told why. The client is known by their Telegram
user id (one profile per Telegram user), described by the sender's name, @username and language.
`/start <payload>` with a payload the site signed (telegram_links, the web chat's "Continue in
Telegram") joins the visitor's profile instead of making a new one. The Bot API itself is called
through telegram_api.

What goes out: text with sendMessage, images with sendPhoto, other files with sendDocument (the private
file's bytes uploaded), the operator's typing with sendChatAction. Telegram's refusals become
`DeliveryError`s as its documentation says to treat them: 429 waits `retry_after`, 403 (the user
blocked the bot) fails the reply and marks the client unreachable here, a bad request is not retried,
anything else is retried with pauses.

Saving the channel (`on_channel_saved`, a doc event) checks the token with getMe and registers the
site's webhook with the channel's secret as `secret_token`, or removes it for polling; what goes wrong
is shown on the channel's form rather than failing the save.
"""

import os
from urllib.parse import quote

import frappe
from frappe import _
from frappe.utils import cint, get_url

from iqchannels.channels.base import ChannelAdapter, DeliveryError, Inbound
from iqchannels.channels.telegram_api import CHANNEL_TYPE, BotApi, TelegramError
from iqchannels.channels.telegram_links import start_join
from iqchannels.records import channel_errors, files, settings
from iqchannels.records.messages import stored_client_message

WEBHOOK_METHOD = "/api/method/iqchannels.api.telegram.webhook"
ALLOWED_UPDATES = ["message", "edited_message"]
TYPING_TIMEOUT_SECONDS = 3
# Telegram shows "typing…" for 5 seconds: one chat action every 4 keeps it on without flooding.
TYPING_EVERY_SECONDS = 4
# sendPhoto takes photos up to 10 MB of these kinds; other images go as documents.
PHOTO_EXTENSIONS = {"jpg", "jpeg", "png", "webp"}
PHOTO_MAX_BYTES = 10 * 1024 * 1024


class Unreadable(Exception):
	"""An update that cannot be understood: acknowledged, and logged with this reason."""


# --- what comes in ----------------------------------------------------------------------------------


def normalise(channel, update) -> Inbound | None:
	"""The client's message an update carries; None for updates that are not a client's message in a
	private chat (the bot's other business). Raises `Unreadable` for what cannot be understood, and
	`TelegramError` when a file cannot be fetched now (a later delivery of the update may fetch it)."""
	if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
		raise Unreadable(_("The update has no update_id."))
	edited = "edited_message" in update and "message" not in update
	message = update.get("edited_message") if edited else update.get("message")
	if message is None:
		return None
	if not isinstance(message, dict):
		raise Unreadable(_("The update's message is not an object."))
	chat, sender = message.get("chat"), message.get("from")
	if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
		raise Unreadable(_("The message has no chat."))
	if chat.get("type") != "private":
		return None  # groups and channels: the bot serves people one to one
	if not isinstance(sender, dict) or not isinstance(sender.get("id"), int) or sender.get("is_bot"):
		raise Unreadable(_("The message has no sender."))
	if not isinstance(message.get("message_id"), int):
		raise Unreadable(_("The message has no message_id."))

	message_id = f"{chat['id']}:{message['message_id']}"
	text, join = message_text(channel, message, sender)
	inbound = Inbound(
		channel,
		str(sender["id"]),
		text,
		message_id=message_id,
		profile=profile_of(sender),
		join=join,
		edited=edited,
		label=f"@{sender['username']}" if sender.get("username") else None,
	)
	reply = message.get("reply_to_message")
	if isinstance(reply, dict) and isinstance(reply.get("message_id"), int):
		inbound.reply_to = f"{chat['id']}:{reply['message_id']}"
	found = file_of(message)
	if edited:
		# An edit changes the text (or the caption); its file, if any, is the one already stored.
		if not text.strip():
			return None
		return inbound
	if not found and not text.strip():
		kinds = sorted(k for k in message if k not in ENVELOPE_KEYS)
		raise Unreadable(
			_("A message of a kind the channel does not take: {0}.").format(", ".join(kinds) or "?")
		)
	if found and not stored_client_message(channel.name, message_id):
		# A repeated update finds its message stored: its file is not fetched again.
		take_file(channel, message, inbound, *found)
	return inbound


# Keys of a Message that describe it rather than carry its content.
ENVELOPE_KEYS = {
	"message_id",
	"message_thread_id",
	"from",
	"sender_chat",
	"chat",
	"date",
	"edit_date",
	"reply_to_message",
	"forward_origin",
	"forward_from",
	"forward_from_chat",
	"forward_date",
	"forward_sender_name",
	"is_automatic_forward",
	"via_bot",
	"has_protected_content",
	"media_group_id",
	"author_signature",
	"entities",
	"caption_entities",
	"link_preview_options",
	"reply_markup",
	"quote",
	"external_reply",
}


def message_text(channel, message: dict, sender: dict) -> tuple[str, str | None]:
	"""The message's text (with its caption, location or contact written out) and the profile a signed
	/start joins."""
	join = None
	lines = []
	text = message.get("text")
	if isinstance(text, str):
		if text == "/start" or text.startswith("/start "):
			join = start_join(channel, text[7:].strip(), sender["id"])
			text = "/start"
		lines.append(text)
	if isinstance(message.get("caption"), str):
		lines.append(message["caption"])
	venue = message.get("venue")
	if isinstance(venue, dict):
		lines.append(
			_("Place: {0}").format(", ".join(str(venue[k]) for k in ("title", "address") if venue.get(k)))
		)
	location = (venue or {}).get("location") or message.get("location")
	if isinstance(location, dict) and "latitude" in location and "longitude" in location:
		lat, lon = float(location["latitude"]), float(location["longitude"])
		lines.append(
			_("Location: {0}").format(f"{lat:.6f}, {lon:.6f}")
			+ f"\nhttps://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=17/{lat:.6f}/{lon:.6f}"
		)
	contact = message.get("contact")
	if isinstance(contact, dict):
		name = " ".join(str(contact[k]) for k in ("first_name", "last_name") if contact.get(k))
		lines.append(_("Contact: {0}").format(", ".join(v for v in (name, contact.get("phone_number")) if v)))
	if isinstance(message.get("sticker"), dict) and not file_of(message):
		lines.append(message["sticker"].get("emoji") or _("Sticker"))
	return "\n".join(lines), join


def profile_of(sender: dict) -> dict:
	name = " ".join(str(sender[k]).strip() for k in ("first_name", "last_name") if sender.get(k)).strip()
	language = str(sender.get("language_code") or "").split("-")[0].lower() or None
	return {"full_name": name[:140] or None, "language": language}


def file_of(message: dict) -> tuple[dict, str, str] | None:
	"""(the file object, its kind, a name for it) of what the message carries, if anything."""
	number = message.get("message_id")
	if isinstance(message.get("photo"), list) and message["photo"]:
		largest = max(
			(size for size in message["photo"] if isinstance(size, dict)),
			key=lambda size: (
				cint(size.get("width")) * cint(size.get("height")),
				cint(size.get("file_size")),
			),
		)
		return largest, "photo", f"photo_{number}.jpg"
	sticker = message.get("sticker")
	if isinstance(sticker, dict):
		if not sticker.get("is_animated") and not sticker.get("is_video"):
			return sticker, "sticker", f"sticker_{number}.webp"
		thumbnail = sticker.get("thumbnail") or sticker.get("thumb")
		if isinstance(thumbnail, dict):
			return thumbnail, "sticker", f"sticker_{number}.webp"
		return None
	for kind in ("animation", "video", "video_note", "voice", "audio", "document"):
		found = message.get(kind)
		if isinstance(found, dict) and found.get("file_id"):
			return found, kind, str(found.get("file_name") or f"{kind}_{number}")
	return None


def take_file(channel, message: dict, inbound: Inbound, found: dict, kind: str, name: str) -> None:
	"""Fetch the message's file into `inbound.uploads`, or name why it is not taken in `refused`."""
	limit_mb = settings.max_file_size_mb()
	too_large = _("The file {0} is larger than {1} MB.").format(name, limit_mb)
	if cint(found.get("file_size")) > limit_mb * 1024 * 1024:
		inbound.refused.append(too_large)
		return
	api = BotApi(channel)
	try:
		described = api.call("getFile", {"file_id": found.get("file_id")})
	except TelegramError as e:
		if e.code == 400:  # "file is too big" (over the Bot API's 20 MB), or a file that is gone
			inbound.refused.append(
				too_large if "too big" in e.description else _("The file {0} cannot be fetched.").format(name)
			)
			return
		raise
	path = str((described or {}).get("file_path") or "")
	if not path:
		inbound.refused.append(_("The file {0} cannot be fetched.").format(name))
		return
	extension = os.path.splitext(path)[1].lower()
	if kind == "sticker":
		name = os.path.splitext(name)[0] + extension
	elif not os.path.splitext(name)[1] and extension:
		name += extension
	content = api.download(path, limit_mb * 1024 * 1024)
	if content is None:
		inbound.refused.append(too_large)
		return
	try:
		inbound.uploads.append(files.checked(name, content))
	except frappe.ValidationError as e:
		frappe.clear_last_message()
		inbound.refused.append(str(e))


# --- what goes out ----------------------------------------------------------------------------------


def chat_of(client, channel: str) -> str | None:
	"""The client's private chat with the bot: its id is their Telegram user id."""
	return frappe.db.get_value(
		"IQC Client Identity",
		{"parent": str(client), "parenttype": "IQC Client", "channel": channel},
		"external_id",
	)


def delivery_error(error: TelegramError, channel: str) -> DeliveryError:
	"""A refusal of the Bot API as the operator reads it, with what Telegram documents it means."""
	if error.code == 429:
		wait = cint(error.retry_after) or 1
		return DeliveryError(
			_("Telegram asked to wait {0} s before the next message.").format(wait), retry_after=wait
		)
	if error.code == 403:
		return DeliveryError(_("The client blocked the bot or deleted the chat."), unreachable=True)
	if error.code == 400:
		if "chat not found" in error.description.lower():
			return DeliveryError(_("The client has no chat with the bot."), permanent=True)
		return DeliveryError(_("Telegram refused the message: {0}").format(error.description), permanent=True)
	if error.code in (401, 404):
		# A token revoked or mistyped: the administrator fixes it, and the retries then go through.
		reason = _("Telegram does not accept the bot's token ({0}).").format(error.description)
		channel_errors.report(channel, reason)
		return DeliveryError(reason)
	if error.code is None:
		return DeliveryError(error.description)
	return DeliveryError(_("Telegram could not take the message: {0}").format(error.description))


class TelegramBot(ChannelAdapter):
	"""Replies go to the client's chat with the bot, at once after they are stored."""

	channel_type = CHANNEL_TYPE
	send_at_once = True

	def delivers(self, channel: str) -> bool:
		return True

	def send(self, message) -> str | None:
		chat_id = chat_of(message.client, message.channel)
		if not chat_id:
			raise DeliveryError(_("The client has no chat with the bot."), permanent=True)
		api = BotApi(frappe.get_cached_doc("IQC Channel", message.channel))
		try:
			if message.attachment:
				result = self.send_file(api, chat_id, message)
			else:
				result = api.call(
					"sendMessage", {"chat_id": chat_id, "text": message.text, **reply_of(message)}
				)
		except TelegramError as e:
			raise delivery_error(e, message.channel) from None
		return f"{chat_id}:{result['message_id']}"

	def send_file(self, api: BotApi, chat_id: str, message) -> dict:
		name, content = files.file_of_message(message)
		params = {"chat_id": chat_id}
		extension = os.path.splitext(name)[1].lower().lstrip(".")
		if message.kind == "Image" and extension in PHOTO_EXTENSIONS and len(content) <= PHOTO_MAX_BYTES:
			try:
				return api.call("sendPhoto", params, upload={"photo": (name, content)})
			except TelegramError as e:
				if e.code != 400:  # a photo Telegram will not show as one (its sides) still goes as a file
					raise
		return api.call("sendDocument", params, upload={"document": (name, content)})

	def notify(self, conversation, event: str, payload: dict) -> None:
		if event != "typing" or not payload.get("typing"):
			return
		# One chat action per conversation every few seconds, however often the operator's keys go.
		key = frappe.cache.make_key(f"iqc-telegram-typing:{conversation.name}")
		if not frappe.cache.set(key, 1, ex=TYPING_EVERY_SECONDS, nx=True):
			return
		chat_id = chat_of(conversation.client, conversation.channel)
		if not chat_id:
			return
		try:
			BotApi(frappe.get_cached_doc("IQC Channel", conversation.channel)).call(
				"sendChatAction", {"chat_id": chat_id, "action": "typing"}, timeout=TYPING_TIMEOUT_SECONDS
			)
		except TelegramError:
			pass  # a hint only: the reply itself reports what went wrong


def reply_of(message) -> dict:
	"""The client's message that an operator's reply answers, quoted in Telegram."""
	if not message.get("reply_to"):
		return {}
	quoted = frappe.db.get_value("IQC Message", message.reply_to, "external_id") or ""
	if ":" not in quoted:
		return {}
	number = quoted.split(":", 1)[1].split("#")[0]
	if not number.isdigit():
		return {}
	return {"reply_parameters": {"message_id": int(number), "allow_sending_without_reply": True}}


# --- the channel's settings -------------------------------------------------------------------------


def webhook_url(channel: str) -> str:
	return get_url(f"{WEBHOOK_METHOD}?channel={quote(channel)}")


def on_channel_saved(doc, method=None) -> None:
	"""A Telegram channel was saved (doc event on IQC Channel's on_update): check the token, learn the
	bot's username, and register the site's webhook (or remove it for polling or a switched-off
	channel). Whatever goes wrong is shown on the form and kept as the channel's last error; the
	save itself goes through."""
	if doc.channel_type != CHANNEL_TYPE:
		return
	api = BotApi(doc)
	if not api.token:
		frappe.msgprint(_("Enter the bot's token from @BotFather to connect the channel."), alert=True)
		return
	try:
		me = api.call("getMe")
		if me.get("username") and me["username"] != doc.bot_username:
			doc.db_set("bot_username", me["username"], update_modified=False)
		if doc.enabled and doc.telegram_mode != "Polling":
			api.call(
				"setWebhook",
				{
					"url": webhook_url(doc.name),
					"secret_token": doc.get_password("secret", raise_exception=False),
					"allowed_updates": ALLOWED_UPDATES,
				},
			)
		else:
			api.call("deleteWebhook")
	except TelegramError as e:
		if e.code in (401, 404):
			reason = _("Telegram does not accept the bot's token ({0}).").format(e.description)
		elif e.code is None:
			reason = e.description
		else:
			reason = _("Telegram refused the settings: {0}").format(e.description)
		channel_errors.report(doc.name, reason)
		doc.last_error = reason
		frappe.msgprint(
			reason, title=_("The channel is saved, but Telegram is not connected"), indicator="red"
		)
		return
	channel_errors.clear(doc.name)
	doc.last_error = None
