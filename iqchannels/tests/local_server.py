"""What the local stand-ins of outside services (Telegram's Bot API, Mango Office's PBX) share: a real
HTTP server on 127.0.0.1 in a thread of the test's process, JSON answers, and a `main` that serves one
until interrupted (the browser test runs them as processes)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalServer:
	"""A stand-in served over HTTP; its handler class reaches it as `self.standin`."""

	handler_class: type[BaseHTTPRequestHandler]
	server: ThreadingHTTPServer | None = None

	def start(self, port: int = 0) -> str:
		"""Serve on 127.0.0.1 (`port` 0: a free one); returns the base URL (the channel's api_base_url)."""
		handler = type("Handler", (self.handler_class,), {"standin": self})
		self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
		self.server.daemon_threads = True
		threading.Thread(target=self.server.serve_forever, name=type(self).__name__, daemon=True).start()
		return self.base_url

	@property
	def port(self) -> int:
		return self.server.server_address[1]

	def stop(self) -> None:
		if self.server:
			self.server.shutdown()
			self.server.server_close()
			self.server = None

	def serve_until_interrupted(self, port: int) -> None:
		print(self.start(port), flush=True)
		try:
			threading.Event().wait()
		except KeyboardInterrupt:
			self.stop()


class JSONHandler(BaseHTTPRequestHandler):
	def log_message(self, format, *args):  # quiet: tests read what the stand-in recorded, not a log
		pass

	def answer(self, status: int, body, content_type: str = "application/json"):
		data = body if isinstance(body, bytes) else json.dumps(body).encode()
		self.send_response(status)
		self.send_header("Content-Type", content_type)
		self.send_header("Content-Length", str(len(data)))
		self.end_headers()
		try:
			self.wfile.write(data)
		except (BrokenPipeError, ConnectionResetError):
			pass  # the caller went away (a poller stopped mid long poll): nothing is confirmed
