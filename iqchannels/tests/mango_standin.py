"""A local stand-in of Mango Office's virtual PBX API for tests and the browser test: a real HTTP server on
127.0.0.1, so nothing leaves the machine.

It takes what the app asks of the PBX, as Mango documents it: forms of `vpbx_api_key`, `json` and
`sign` = sha256(vpbx_api_key + json + vpbx_api_salt), refused with 401 when the key or the signature
is wrong. `POST /vpbx/commands/callback` answers `{"result": 1000}` (or the code `fail_next` set);
`POST /vpbx/queries/recording/post` redirects (302) to a one-time link that serves the recording, a
small WAV. It also plays the PBX's other half: it POSTs signed events to the site's event address.

In a test:

	standin = MangoStandin()
	base_url = standin.start()               # the channel's api_base_url
	standin.add_recording("rec-1")           # what queries/recording/post will serve
	standin.commands("commands/callback")    # the json of each click-to-call the app sent
	standin.post_event(event_url, "events/call", {...})
	standin.stop()

As a process (the browser test): `python -m iqchannels.tests.mango_standin --port 8795 [--key K --salt S]`
with `GET /control/received`, `POST /control/recording` ({"recording_id"}), `POST /control/event`
({"url", "kind", "payload"}: signed and POSTed to url/kind), `POST /control/fail` ({"path", "result"})
and `POST /control/reset`.
"""

import argparse
import hashlib
import hmac
import io
import itertools
import json
import math
import struct
import threading
import urllib.error
import urllib.parse
import urllib.request
import wave

from iqchannels.tests.local_server import JSONHandler, LocalServer

DEFAULT_KEY = "standin-vpbx-api-key-0123456789ab"
DEFAULT_SALT = "standin-vpbx-api-salt-0123456789a"
WRONG_SIGN = 3102  # Mango's answer to a request whose key or signature is wrong


def sign(key: str, json_text: str, salt: str) -> str:
	return hashlib.sha256(f"{key}{json_text}{salt}".encode()).hexdigest()


def signed_form(key: str, salt: str, payload: dict) -> dict:
	json_text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
	return {"vpbx_api_key": key, "sign": sign(key, json_text, salt), "json": json_text}


def tone_wav(seconds: float = 0.3, rate: int = 8000) -> bytes:
	"""A short 440 Hz tone, 8 kHz mono, as telephony recordings are."""
	out = io.BytesIO()
	with wave.open(out, "wb") as wav:
		wav.setnchannels(1)
		wav.setsampwidth(2)
		wav.setframerate(rate)
		frames = (int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(seconds * rate)))
		wav.writeframes(b"".join(struct.pack("<h", f) for f in frames))
	return out.getvalue()


class MangoStandin(LocalServer):
	def __init__(self, api_key: str = DEFAULT_KEY, api_salt: str = DEFAULT_SALT):
		self.api_key, self.api_salt = api_key, api_salt
		self.lock = threading.Lock()
		self.received: list[dict] = []  # every signed request: path and its json
		self.refused: list[str] = []  # paths of requests refused for their signature
		self.recordings: dict[str, bytes] = {}
		self.links: dict[str, str] = {}  # one-time link -> recording id
		self.failures: dict[str, int] = {}
		self.counter = itertools.count(1)

	@property
	def base_url(self) -> str:
		return f"http://127.0.0.1:{self.port}/vpbx"

	def add_recording(self, recording_id: str, content: bytes | None = None) -> None:
		with self.lock:
			self.recordings[recording_id] = content or tone_wav()

	def commands(self, path: str) -> list[dict]:
		with self.lock:
			return [r["json"] for r in self.received if r["path"] == path]

	def fail_next(self, path: str, result: int) -> None:
		with self.lock:
			self.failures[path] = result

	def reset(self) -> None:
		with self.lock:
			self.received.clear()
			self.refused.clear()
			self.failures.clear()

	def post_event(self, url: str, kind: str, payload: dict, salt: str | None = None) -> int:
		"""POST a signed event as Mango does: to <url>/<kind> (events/call, events/summary, ...)."""
		form = signed_form(self.api_key, salt or self.api_salt, payload)
		request = urllib.request.Request(
			f"{url.rstrip('/')}/{kind}",
			data=urllib.parse.urlencode(form).encode(),
			headers={"Content-Type": "application/x-www-form-urlencoded"},
		)
		try:
			with urllib.request.urlopen(request, timeout=30) as answer:
				return answer.status
		except urllib.error.HTTPError as e:
			return e.code

	# --- the PBX's API ---------------------------------------------------------------------------------

	def signed(self, path: str, form: dict) -> dict | None:
		key, json_text, given = form.get("vpbx_api_key"), form.get("json"), form.get("sign") or ""
		expected = sign(self.api_key, json_text or "", self.api_salt)
		if key != self.api_key or json_text is None or not hmac.compare_digest(expected, given):
			with self.lock:
				self.refused.append(path)
			return None
		payload = json.loads(json_text)
		with self.lock:
			self.received.append({"path": path, "json": payload})
		return payload

	def callback(self, payload: dict) -> tuple[int, dict]:
		with self.lock:
			result = self.failures.pop("commands/callback", 1000)
		return 200, {"result": result, "command_id": payload.get("command_id")}

	def recording_link(self, payload: dict) -> str | None:
		with self.lock:
			if payload.get("recording_id") not in self.recordings:
				return None
			token = f"{next(self.counter)}-{hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:16]}"
			self.links[token] = payload["recording_id"]
			return token

	def file(self, token: str) -> bytes | None:
		"""A one-time link: valid for one download, as Mango's are."""
		with self.lock:
			recording_id = self.links.pop(token, None)
			return self.recordings.get(recording_id) if recording_id else None


class MangoHandler(JSONHandler):
	standin: MangoStandin

	def do_GET(self):
		path = urllib.parse.urlparse(self.path).path.strip("/")
		if path == "control/received":
			with self.standin.lock:
				return self.answer(200, {"received": self.standin.received, "refused": self.standin.refused})
		if path.startswith("files/") and (content := self.standin.file(path[len("files/") :])):
			return self.answer(200, content, "audio/wav")
		self.answer(404, {"result": 3104})

	def do_POST(self):
		path = urllib.parse.urlparse(self.path).path.strip("/")
		body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
		if path.startswith("control/"):
			return self.control(path[len("control/") :], json.loads(body or b"{}"))
		path = path.removeprefix("vpbx/")
		form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items()}
		payload = self.standin.signed(path, form)
		if payload is None:
			return self.answer(401, {"result": WRONG_SIGN})
		if path == "commands/callback":
			return self.answer(*self.standin.callback(payload))
		if path == "queries/recording/post":
			token = self.standin.recording_link(payload)
			if not token:
				return self.answer(404, {"result": 3104})
			self.send_response(302)
			self.send_header("Location", f"http://127.0.0.1:{self.standin.port}/files/{token}")
			self.send_header("Content-Length", "0")
			self.end_headers()
			return None
		self.answer(200, {"result": 1000})

	def control(self, action: str, data: dict):
		if action == "recording":
			self.standin.add_recording(data["recording_id"])
		elif action == "event":
			return self.answer(
				200, {"status": self.standin.post_event(data["url"], data["kind"], data["payload"])}
			)
		elif action == "fail":
			self.standin.fail_next(data["path"], int(data["result"]))
		elif action == "reset":
			self.standin.reset()
		else:
			return self.answer(404, {"error": "unknown control"})
		self.answer(200, {"ok": True})


MangoStandin.handler_class = MangoHandler


def main() -> None:
	parser = argparse.ArgumentParser(description="A local stand-in of Mango Office's virtual PBX API.")
	parser.add_argument("--port", type=int, default=8795)
	parser.add_argument("--key", default=DEFAULT_KEY)
	parser.add_argument("--salt", default=DEFAULT_SALT)
	args = parser.parse_args()
	MangoStandin(args.key, args.salt).serve_until_interrupted(args.port)


if __name__ == "__main__":
	main()
