"""The Telegram Bot API as the channel calls it (layer: channels): one bot's methods at the channel's base
URL (Telegram's own, or a stand-in's), its refusals as `TelegramError`s, its files downloaded with a
size limit. The token never appears in an error's text."""

from urllib.parse import quote

import requests
from frappe import _
from frappe.utils import cint

CHANNEL_TYPE = "Telegram"
DEFAULT_API = "https://api.telegram.org"
TIMEOUT_SECONDS = 15

session = requests.Session()


class TelegramError(Exception):
	"""The Bot API refused a call (`code` its error_code) or could not be reached (`code` None)."""

	def __init__(self, code: int | None, description: str, retry_after: float | None = None):
		super().__init__(description)
		self.code = code
		self.description = description
		self.retry_after = retry_after


class BotApi:
	"""A channel's bot: its token, and the Bot API at the channel's base URL."""

	def __init__(self, channel):
		self.base = (channel.get("api_base_url") or DEFAULT_API).strip().rstrip("/")
		self.token = channel.get_password("bot_token", raise_exception=False) or ""

	def call(self, method: str, params: dict | None = None, upload: dict | None = None, timeout=None):
		"""The method's result; `upload`: {field: (file name, bytes)} sent as multipart/form-data."""
		if not self.token:
			raise TelegramError(None, _("The channel has no bot token."))
		url = f"{self.base}/bot{self.token}/{method}"
		try:
			if upload:
				data = {k: str(v) for k, v in (params or {}).items() if v is not None}
				answer = session.post(url, data=data, files=upload, timeout=timeout or TIMEOUT_SECONDS)
			else:
				answer = session.post(url, json=params or {}, timeout=timeout or TIMEOUT_SECONDS)
		except requests.Timeout:
			raise TelegramError(None, _("Telegram did not answer in time.")) from None
		except requests.RequestException as e:
			raise TelegramError(
				None, _("Telegram cannot be reached: {0}").format(self.hide_token(e))
			) from None
		try:
			body = answer.json()
		except ValueError:
			raise TelegramError(answer.status_code, f"HTTP {answer.status_code}") from None
		if body.get("ok"):
			return body.get("result")
		parameters = body.get("parameters") or {}
		raise TelegramError(
			cint(body.get("error_code")) or answer.status_code,
			str(body.get("description") or f"HTTP {answer.status_code}"),
			retry_after=parameters.get("retry_after"),
		)

	def download(self, file_path: str, max_bytes: int) -> bytes | None:
		"""A file's bytes; None when it is larger than `max_bytes`."""
		url = f"{self.base}/file/bot{self.token}/{quote(file_path)}"
		try:
			with session.get(url, stream=True, timeout=TIMEOUT_SECONDS) as answer:
				if answer.status_code != 200:
					raise TelegramError(answer.status_code, f"HTTP {answer.status_code}")
				content = b""
				for chunk in answer.iter_content(64 * 1024):
					content += chunk
					if len(content) > max_bytes:
						return None
				return content
		except requests.RequestException as e:
			raise TelegramError(
				None, _("Telegram cannot be reached: {0}").format(self.hide_token(e))
			) from None

	def hide_token(self, error: Exception) -> str:
		"""An error's text without the token, which Requests puts in the URLs it names."""
		text = f"{type(error).__name__}: {error}"
		return text.replace(self.token, "<token>") if self.token else text
