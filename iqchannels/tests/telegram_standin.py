"""A local stand-in of the Telegram Bot API (https://core.telegram.org/bots/api) for tests, the browser test
and the benchmark: a real HTTP server on 127.0.0.1, so nothing leaves the machine.

It speaks the documented methods at `/bot<token>/<method>` (parameters in the query string, a JSON body,
a form or multipart/form-data, as Telegram takes them) and answers `{"ok": true, "result": ...}` or
`{"ok": false, "error_code": ..., "description": ..., "parameters": {...}}`: getMe, setWebhook,
deleteWebhook, getWebhookInfo, getUpdates (long polling, `offset` confirms the updates below it),
getFile, the files at `/file/bot<token>/<file_path>`, sendMessage, sendPhoto, sendDocument,
sendChatAction. A bot only writes to a chat whose user has written to it ("chat not found" otherwise).

In a test:

	standin = TelegramStandin()
	base_url = standin.start()          # the channel's api_base_url
	standin.push(text_update("Hello"))  # to getUpdates, or POSTed to the webhook when one is set
	standin.sent                        # what the bot sent: method, params, files
	standin.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
	standin.stop()

As a process (the browser test, the benchmark):

	python -m iqchannels.tests.telegram_standin --port 8765 [--token T] [--username NAME]

with a small control surface: `POST /control/push` (an update as JSON, or `{"builder": "text_update",
"args": {...}}`), `GET /control/sent`, `POST /control/file?name=a.pdf` (the raw bytes; answers the
file_id), `POST /control/fail` (`{"method", "error_code", "description", "retry_after"}`).
"""

import argparse
import base64
import hashlib
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email.parser import BytesParser
from email.policy import HTTP

from iqchannels.tests.local_server import JSONHandler, LocalServer

DEFAULT_TOKEN = "123456789:TEST-standin-token_abcdefghijklmnopqrs"
DEFAULT_USERNAME = "iqc_standin_bot"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_POLL_TIMEOUT = 50
BOT_ID = 123456789


class ApiError(Exception):
	def __init__(self, error_code: int, description: str, retry_after: int | None = None):
		super().__init__(description)
		self.error_code = error_code
		self.description = description
		self.retry_after = retry_after

	def body(self) -> dict:
		answer = {"ok": False, "error_code": self.error_code, "description": self.description}
		if self.retry_after is not None:
			answer["parameters"] = {"retry_after": self.retry_after}
		return answer


class TelegramStandin(LocalServer):
	"""One bot (or several, by token) served over HTTP; the control API is plain Python."""

	def __init__(self, token: str = DEFAULT_TOKEN, username: str = DEFAULT_USERNAME):
		self.bots = {token: {"id": int(token.split(":")[0]), "username": username}}
		self.token = token
		self.condition = threading.Condition()
		self.updates: list[dict] = []  # waiting for getUpdates, oldest first
		self.files: dict[str, dict] = {}  # file_id -> {"path", "name", "content"}
		self.sent: list[dict] = []  # every call of a bot, oldest first
		self.failures: list[tuple[str, ApiError]] = []
		self.webhook: dict = {}  # url, secret_token, allowed_updates while a webhook is set
		self.webhook_errors: list[str] = []
		self.chats: set[int] = set()  # users who wrote to the bot: it may write to them
		self.blocked: set[int] = set()  # users who blocked the bot
		self.update_ids = itertools.count(700000001)
		self.message_ids = itertools.count(1)
		self.file_ids = itertools.count(1)
		# How a pushed update reaches the webhook: an HTTP POST (url, body, headers) -> status code.
		# A test may route it through its web application's test client instead of a running server.
		self.transport = http_post

	# --- control API --------------------------------------------------------------------------------

	@property
	def base_url(self) -> str:
		return f"http://127.0.0.1:{self.port}"

	def stop(self) -> None:
		with self.condition:
			self.condition.notify_all()  # long polls waiting for updates end at once
		super().stop()

	def add_bot(self, token: str, username: str) -> None:
		self.bots[token] = {"id": int(token.split(":")[0]), "username": username}

	def add_file(self, content: bytes, name: str = "file.bin", folder: str = "documents") -> str:
		"""Keep a file as if a user had sent it; returns its file_id for an update."""
		with self.condition:
			number = next(self.file_ids)
			file_id = f"F{number:06d}-" + hashlib.sha1(content).hexdigest()[:12]
			extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
			self.files[file_id] = {
				"path": f"{folder}/file_{number}.{extension}",
				"name": name,
				"content": content,
			}
		return file_id

	def push(self, update: dict) -> dict:
		"""A user did something: the update gets the next update_id and goes to getUpdates, or, while a
		webhook is set, is POSTed to it with the secret header (kept for getUpdates-like retries when the
		webhook does not answer 2xx, as Telegram keeps it). Returns the update."""
		with self.condition:
			update = {"update_id": next(self.update_ids), **update}
			for key in ("message", "edited_message"):
				sender = (update.get(key) or {}).get("from") or {}
				if sender.get("id"):
					self.chats.add(int(sender["id"]))
					self.blocked.discard(int(sender["id"]))
			webhook = dict(self.webhook)
			if not webhook:
				self.updates.append(update)
				self.condition.notify_all()
				return update
		self.post_to_webhook(webhook, update)
		return update

	def post_to_webhook(self, webhook: dict, update: dict) -> int:
		"""Deliver one update as Telegram does; one the webhook does not take (not 2xx) stays pending."""
		headers = {"Content-Type": "application/json"}
		if webhook.get("secret_token"):
			headers[SECRET_HEADER] = webhook["secret_token"]
		try:
			status = self.transport(webhook["url"], json.dumps(update).encode(), headers)
		except Exception as error:
			status = 0
			self.webhook_errors.append(f"{type(error).__name__}: {error}")
		if not 200 <= status < 300:
			self.webhook_errors.append(f"Wrong response from the webhook: {status}")
			with self.condition:
				self.updates.append(update)
		return status

	def redeliver(self) -> list[int]:
		"""Telegram's retry: the updates pending while a webhook is set go to it again, oldest first."""
		with self.condition:
			webhook, pending = dict(self.webhook), list(self.updates)
			if not webhook:
				return []
			self.updates.clear()
		return [self.post_to_webhook(webhook, update) for update in pending]

	def fail_next(
		self, method: str, error_code: int, description: str, retry_after: int | None = None
	) -> None:
		"""The next call of `method` is refused with this error (queued: call it twice for two)."""
		with self.condition:
			self.failures.append((method.lower(), ApiError(error_code, description, retry_after)))

	def block(self, user_id: int) -> None:
		"""The user blocked the bot: every message to them is refused with 403 until they write again."""
		self.blocked.add(int(user_id))

	def calls(self, method: str) -> list[dict]:
		return [call for call in self.sent if call["method"].lower() == method.lower()]

	def reset(self) -> None:
		with self.condition:
			self.updates.clear()
			self.sent.clear()
			self.failures.clear()
			self.webhook = {}
			self.webhook_errors.clear()

	# --- the Bot API --------------------------------------------------------------------------------

	def call(self, token: str, method: str, params: dict, files: dict) -> object:
		bot = self.bots.get(token)
		if not bot:
			raise ApiError(401, "Unauthorized")
		handler = METHODS.get(method.lower())
		if not handler:
			raise ApiError(404, "Not Found")
		# When it arrived (epoch seconds): the benchmark times a reply's way to the bot by it.
		call = {"method": method, "params": params, "files": files, "at": time.time()}
		with self.condition:
			for index, (failing, error) in enumerate(self.failures):
				if failing == method.lower():
					del self.failures[index]
					self.sent.append({**call, "error": error.error_code})
					raise error
		try:
			result = handler(self, bot, params, files)
		except ApiError as error:
			call["error"] = error.error_code
			raise
		finally:
			with self.condition:
				self.sent.append(call)
		call["result"] = result
		return result

	def get_me(self, bot, params, files):
		return {
			"id": bot["id"],
			"is_bot": True,
			"first_name": "IQChannels test bot",
			"username": bot["username"],
			"can_join_groups": True,
			"can_read_all_group_messages": False,
			"supports_inline_queries": False,
		}

	def set_webhook(self, bot, params, files):
		url = str(params.get("url") or "")
		with self.condition:
			if not url:
				self.webhook = {}
				return True
			if not url.startswith(("http://", "https://")):
				raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
			secret = params.get("secret_token")
			if secret is not None and not (
				1 <= len(str(secret)) <= 256 and all(c.isalnum() or c in "_-" for c in str(secret))
			):
				raise ApiError(400, "Bad Request: secret token contains unallowed characters")
			allowed = params.get("allowed_updates")
			if isinstance(allowed, str):
				allowed = json.loads(allowed)
			self.webhook = {"url": url, "secret_token": secret, "allowed_updates": allowed}
			if truthy(params.get("drop_pending_updates")):
				self.updates.clear()
		# Telegram delivers what is pending later, never within the setWebhook call.
		if self.updates:
			threading.Timer(0.5, self.redeliver).start()
		return True

	def delete_webhook(self, bot, params, files):
		with self.condition:
			self.webhook = {}
			if truthy(params.get("drop_pending_updates")):
				self.updates.clear()
		return True

	def get_webhook_info(self, bot, params, files):
		with self.condition:
			return {
				"url": self.webhook.get("url", ""),
				"has_custom_certificate": False,
				"pending_update_count": len(self.updates),
				"allowed_updates": self.webhook.get("allowed_updates") or [],
				**({"last_error_message": self.webhook_errors[-1]} if self.webhook_errors else {}),
			}

	def get_updates(self, bot, params, files):
		offset = int(params.get("offset") or 0)
		limit = max(1, min(100, int(params.get("limit") or 100)))
		timeout = max(0, min(MAX_POLL_TIMEOUT, float(params.get("timeout") or 0)))
		deadline = time.monotonic() + timeout
		with self.condition:
			if self.webhook:
				raise ApiError(
					409,
					"Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
					"delete the webhook first",
				)
			while True:
				if offset > 0:
					# Asking from `offset` confirms every update below it: they are never sent again.
					self.updates = [u for u in self.updates if u["update_id"] >= offset]
					found = self.updates[:limit]
				elif offset < 0:
					found = self.updates[offset:][:limit]
				else:
					found = self.updates[:limit]
				left = deadline - time.monotonic()
				if found or left <= 0 or not self.server:
					return [json.loads(json.dumps(u)) for u in found]
				self.condition.wait(left)

	def get_file(self, bot, params, files):
		found = self.files.get(str(params.get("file_id") or ""))
		if not found:
			raise ApiError(400, "Bad Request: invalid file_id")
		return {
			"file_id": params["file_id"],
			"file_unique_id": "U" + params["file_id"][:10],
			"file_size": len(found["content"]),
			"file_path": found["path"],
		}

	def file_content(self, token: str, path: str) -> bytes | None:
		if token not in self.bots:
			return None
		for found in self.files.values():
			if found["path"] == path:
				return found["content"]
		return None

	def chat_of(self, params) -> dict:
		chat_id = params.get("chat_id")
		try:
			chat_id = int(chat_id)
		except (TypeError, ValueError):
			raise ApiError(400, "Bad Request: chat not found") from None
		if chat_id not in self.chats:
			raise ApiError(400, "Bad Request: chat not found")
		if chat_id in self.blocked:
			raise ApiError(403, "Forbidden: bot was blocked by the user")
		return {"id": chat_id, "type": "private"}

	def sent_message(self, bot, chat: dict, **content) -> dict:
		return {
			"message_id": next(self.message_ids),
			"from": {
				"id": bot["id"],
				"is_bot": True,
				"first_name": "IQChannels test bot",
				"username": bot["username"],
			},
			"chat": chat,
			"date": int(time.time()),
			**content,
		}

	def send_message(self, bot, params, files):
		chat = self.chat_of(params)
		text = str(params.get("text") or "")
		if not text.strip():
			raise ApiError(400, "Bad Request: message text is empty")
		if len(text) > 4096:
			raise ApiError(400, "Bad Request: message is too long")
		return self.sent_message(bot, chat, text=text)

	def uploaded(self, params, files, field: str, folder: str) -> tuple[str, dict]:
		"""The file a send method carries: a new upload (multipart), or a file_id the bot already knows."""
		if field in files:
			upload = files[field]
			file_id = self.add_file(upload["content"], upload["filename"] or field, folder)
			return file_id, self.files[file_id]
		given = str(params.get(field) or "")
		if given.startswith("attach://") and given[9:] in files:
			upload = files[given[9:]]
			file_id = self.add_file(upload["content"], upload["filename"] or field, folder)
			return file_id, self.files[file_id]
		if given in self.files:
			return given, self.files[given]
		raise ApiError(400, f"Bad Request: there is no {field} in the request")

	def send_photo(self, bot, params, files):
		chat = self.chat_of(params)
		file_id, found = self.uploaded(params, files, "photo", "photos")
		if len(found["content"]) > 10 * 1024 * 1024:
			raise ApiError(400, "Bad Request: PHOTO_SAVE_FILE_INVALID")
		sizes = [
			{
				"file_id": file_id,
				"file_unique_id": "U" + file_id[:10],
				"width": 90,
				"height": 90,
				"file_size": 1000,
			},
			{
				"file_id": file_id,
				"file_unique_id": "U" + file_id[:10],
				"width": 800,
				"height": 800,
				"file_size": len(found["content"]),
			},
		]
		extra = {"caption": params["caption"]} if params.get("caption") else {}
		return self.sent_message(bot, chat, photo=sizes, **extra)

	def send_document(self, bot, params, files):
		chat = self.chat_of(params)
		file_id, found = self.uploaded(params, files, "document", "documents")
		document = {
			"file_id": file_id,
			"file_unique_id": "U" + file_id[:10],
			"file_name": found["name"],
			"file_size": len(found["content"]),
		}
		extra = {"caption": params["caption"]} if params.get("caption") else {}
		return self.sent_message(bot, chat, document=document, **extra)

	def send_chat_action(self, bot, params, files):
		self.chat_of(params)
		if params.get("action") not in (
			"typing",
			"upload_photo",
			"record_video",
			"upload_video",
			"record_voice",
			"upload_voice",
			"upload_document",
			"choose_sticker",
			"find_location",
			"record_video_note",
			"upload_video_note",
		):
			raise ApiError(400, "Bad Request: wrong parameter action in request")
		return True


METHODS = {
	"getme": TelegramStandin.get_me,
	"setwebhook": TelegramStandin.set_webhook,
	"deletewebhook": TelegramStandin.delete_webhook,
	"getwebhookinfo": TelegramStandin.get_webhook_info,
	"getupdates": TelegramStandin.get_updates,
	"getfile": TelegramStandin.get_file,
	"sendmessage": TelegramStandin.send_message,
	"sendphoto": TelegramStandin.send_photo,
	"senddocument": TelegramStandin.send_document,
	"sendchataction": TelegramStandin.send_chat_action,
}


def truthy(value) -> bool:
	return value is True or str(value).lower() in ("true", "1")


def http_post(url: str, body: bytes, headers: dict) -> int:
	request = urllib.request.Request(url, data=body, headers=headers, method="POST")
	try:
		with urllib.request.urlopen(request, timeout=30) as answer:
			return answer.status
	except urllib.error.HTTPError as error:
		return error.code


class RequestHandler(JSONHandler):
	standin: TelegramStandin
	protocol_version = "HTTP/1.1"

	def do_GET(self):
		self.handle_request()

	def do_POST(self):
		self.handle_request()

	def handle_request(self):
		url = urllib.parse.urlsplit(self.path)
		parts = url.path.strip("/").split("/")
		body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
		if parts[0] == "control":
			return self.control(parts[1:], url.query, body)
		if parts[0] == "file" and len(parts) >= 3 and parts[1].startswith("bot"):
			content = self.standin.file_content(parts[1][3:], "/".join(parts[2:]))
			if content is None:
				return self.answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
			return self.answer(200, content, "application/octet-stream")
		if len(parts) != 2 or not parts[0].startswith("bot"):
			return self.answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
		try:
			params, files = self.parameters(url.query, body)
			result = self.standin.call(parts[0][3:], parts[1], params, files)
		except ApiError as error:
			return self.answer(error.error_code, error.body())
		except (ValueError, KeyError, TypeError) as error:
			return self.answer(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"})
		self.answer(200, {"ok": True, "result": result})

	def parameters(self, query: str, body: bytes) -> tuple[dict, dict]:
		"""The method's parameters from wherever Telegram takes them, and the uploaded files."""
		params = dict(urllib.parse.parse_qsl(query))
		files = {}
		content_type = self.headers.get("Content-Type") or ""
		if content_type.startswith("application/json") and body:
			params.update(json.loads(body))
		elif content_type.startswith("application/x-www-form-urlencoded"):
			params.update(urllib.parse.parse_qsl(body.decode()))
		elif content_type.startswith("multipart/form-data"):
			message = BytesParser(policy=HTTP).parsebytes(
				b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
			)
			for part in message.iter_parts():
				name = part.get_param("name", header="content-disposition")
				filename = part.get_filename()
				content = part.get_payload(decode=True) or b""
				if filename is not None:
					files[name] = {
						"filename": filename,
						"content": content,
						"content_type": part.get_content_type(),
					}
				else:
					params[name] = content.decode()
		return params, files

	def control(self, parts: list[str], query: str, body: bytes):
		standin = self.standin
		args = dict(urllib.parse.parse_qsl(query))
		action = parts[0] if parts else ""
		if action == "push":
			data = json.loads(body or b"{}")
			if "builder" in data:
				data = BUILDERS[data["builder"]](**data.get("args", {}))
			return self.answer(200, {"ok": True, "result": standin.push(data)})
		if action == "sent":
			since = int(args.get("since") or 0)  # the calls from this index on
			return self.answer(200, {"ok": True, "result": [summary(call) for call in standin.sent[since:]]})
		if action == "file":
			file_id = standin.add_file(
				body, args.get("name") or "file.bin", args.get("folder") or "documents"
			)
			return self.answer(200, {"ok": True, "result": {"file_id": file_id}})
		if action == "fail":
			data = json.loads(body or b"{}")
			standin.fail_next(
				data["method"], int(data["error_code"]), data["description"], data.get("retry_after")
			)
			return self.answer(200, {"ok": True, "result": True})
		if action == "webhook":
			return self.answer(200, {"ok": True, "result": standin.webhook})
		return self.answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})


TelegramStandin.handler_class = RequestHandler


def summary(call: dict) -> dict:
	"""A call as JSON: the uploaded files by name, size and digest, their bytes in base64."""
	return {
		**{k: v for k, v in call.items() if k != "files"},
		"files": {
			field: {
				"filename": f["filename"],
				"size": len(f["content"]),
				"sha256": hashlib.sha256(f["content"]).hexdigest(),
				"content_type": f["content_type"],
				"content": base64.b64encode(f["content"]).decode(),
			}
			for field, f in call["files"].items()
		},
	}


# --- updates in the documented shapes ----------------------------------------------------------------

_message_ids = itertools.count(int(time.time()) % 100000 * 10)


def user(
	user_id: int = 5550001,
	first_name: str = "Taras",
	last_name: str | None = "Shevchenko",
	username: str | None = "taras_sh",
	language_code: str | None = "uk",
) -> dict:
	found = {"id": user_id, "is_bot": False, "first_name": first_name}
	if last_name:
		found["last_name"] = last_name
	if username:
		found["username"] = username
	if language_code:
		found["language_code"] = language_code
	return found


def message(sender: dict | None = None, message_id: int | None = None, **content) -> dict:
	"""A private chat's message: `from` is the sender, the chat is theirs."""
	sender = sender or user()
	chat = {"id": sender["id"], "type": "private", "first_name": sender["first_name"]}
	for key in ("last_name", "username"):
		if sender.get(key):
			chat[key] = sender[key]
	return {
		"message_id": message_id or next(_message_ids),
		"from": sender,
		"chat": chat,
		"date": int(time.time()),
		**{k: v for k, v in content.items() if v is not None},
	}


def text_update(text: str = "Hello", sender: dict | None = None, reply_to: dict | None = None, **kw) -> dict:
	return {"message": message(sender, text=text, reply_to_message=reply_to, **kw)}


def photo_update(
	file_ids: list[str], caption: str | None = None, sender: dict | None = None, sizes: list | None = None
) -> dict:
	"""A photo in several sizes, smallest first as Telegram sends them; the last file_id is the largest."""
	sizes = sizes or [(90, 67), (320, 240), (1280, 960)][-len(file_ids) :]
	photo = [
		{
			"file_id": fid,
			"file_unique_id": "U" + fid[:10],
			"width": w,
			"height": h,
			"file_size": 1000 * (i + 1),
		}
		for i, (fid, (w, h)) in enumerate(zip(file_ids, sizes, strict=False))
	]
	return {"message": message(sender, photo=photo, caption=caption)}


def document_update(
	file_id: str,
	file_name: str,
	mime_type: str = "application/octet-stream",
	caption: str | None = None,
	sender: dict | None = None,
	file_size: int | None = None,
) -> dict:
	document = {
		"file_id": file_id,
		"file_unique_id": "U" + file_id[:10],
		"file_name": file_name,
		"mime_type": mime_type,
	}
	if file_size is not None:
		document["file_size"] = file_size
	return {"message": message(sender, document=document, caption=caption)}


def video_update(file_id: str, caption: str | None = None, sender: dict | None = None) -> dict:
	video = {
		"file_id": file_id,
		"file_unique_id": "U" + file_id[:10],
		"width": 640,
		"height": 360,
		"duration": 3,
		"file_name": "clip.mp4",
		"mime_type": "video/mp4",
	}
	return {"message": message(sender, video=video, caption=caption)}


def voice_update(file_id: str, sender: dict | None = None) -> dict:
	voice = {
		"file_id": file_id,
		"file_unique_id": "U" + file_id[:10],
		"duration": 2,
		"mime_type": "audio/ogg",
	}
	return {"message": message(sender, voice=voice)}


def audio_update(
	file_id: str, file_name: str = "song.mp3", caption: str | None = None, sender: dict | None = None
) -> dict:
	audio = {
		"file_id": file_id,
		"file_unique_id": "U" + file_id[:10],
		"duration": 5,
		"performer": "Band",
		"title": "Song",
		"file_name": file_name,
		"mime_type": "audio/mpeg",
	}
	return {"message": message(sender, audio=audio, caption=caption)}


def sticker_update(
	file_id: str,
	thumbnail_id: str | None = None,
	is_animated: bool = False,
	is_video: bool = False,
	sender: dict | None = None,
) -> dict:
	sticker = {
		"file_id": file_id,
		"file_unique_id": "U" + file_id[:10],
		"type": "regular",
		"width": 512,
		"height": 512,
		"is_animated": is_animated,
		"is_video": is_video,
		"emoji": "😀",
		"set_name": "StandinStickers",
	}
	if thumbnail_id:
		sticker["thumbnail"] = {
			"file_id": thumbnail_id,
			"file_unique_id": "U" + thumbnail_id[:10],
			"width": 128,
			"height": 128,
		}
	return {"message": message(sender, sticker=sticker)}


def location_update(
	latitude: float = 50.4501, longitude: float = 30.5234, sender: dict | None = None
) -> dict:
	return {"message": message(sender, location={"latitude": latitude, "longitude": longitude})}


def contact_update(
	phone_number: str = "+380441234567",
	first_name: str = "Lesya",
	last_name: str | None = "Ukrainka",
	sender: dict | None = None,
) -> dict:
	contact = {"phone_number": phone_number, "first_name": first_name}
	if last_name:
		contact["last_name"] = last_name
	return {"message": message(sender, contact=contact)}


def edited_update(original: dict, text: str) -> dict:
	"""The user edited a message they sent (`original`, an update from a builder above)."""
	edited = {**original["message"], "edit_date": int(time.time()) + 1}
	if "text" in edited or not any(k in edited for k in ("photo", "document", "video", "audio", "voice")):
		edited["text"] = text
	else:
		edited["caption"] = text
	return {"edited_message": edited}


BUILDERS = {
	"text_update": text_update,
	"photo_update": photo_update,
	"document_update": document_update,
	"video_update": video_update,
	"voice_update": voice_update,
	"audio_update": audio_update,
	"sticker_update": sticker_update,
	"location_update": location_update,
	"contact_update": contact_update,
}


def main() -> None:
	parser = argparse.ArgumentParser(description="A local stand-in of the Telegram Bot API.")
	parser.add_argument("--port", type=int, default=0)
	parser.add_argument("--token", default=DEFAULT_TOKEN)
	parser.add_argument("--username", default=DEFAULT_USERNAME)
	args = parser.parse_args()
	TelegramStandin(args.token, args.username).serve_until_interrupted(args.port)


if __name__ == "__main__":
	main()
