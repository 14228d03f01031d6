"""The callers of the floods benchmark, each group in a process of its own.

Imported by `floods.py` beside it. The well-behaved callers (a partner and five visitors' addresses)
run in one process and note each call's wall-clock start, round trip and status; each flooding address
runs in another. Kept out of the measuring process so that neither the flood's own Python work nor the
queue sampling holds the well-behaved calls' threads back: what is timed is the site's answer.

The flooding processes run at a lower CPU priority (nice 10). On the network a flood is sent from
other machines; on this one its senders would otherwise take CPU from the very server they measure.
The benchmark prints the flood's achieved rate, so a flood that this slows is seen.
"""

import hashlib
import hmac
import http.client
import json
import os
import random
import threading
import time
from collections import Counter

INBOUND, SEND = "iqchannels.api.inbound.message", "iqchannels.api.widget.send"


class Site:
	"""HTTP calls from one loopback address; each call on its own connection, as gunicorn's sync workers
	close every connection after its answer."""

	def __init__(self, port: int, address: str, host: str):
		self.port, self.address, self.host = port, address, host

	def post(self, method: str, body: bytes, headers: dict | None = None) -> tuple[int, float]:
		began = time.perf_counter()
		connection = http.client.HTTPConnection(
			"127.0.0.1", self.port, timeout=60, source_address=(self.address, 0)
		)
		try:
			connection.request(
				"POST",
				f"/api/method/{method}",
				body,
				{"Host": self.host, "Content-Type": "application/json", **(headers or {})},
			)
			answer = connection.getresponse()
			answer.read()
			return answer.status, time.perf_counter() - began
		except OSError:
			return 0, time.perf_counter() - began
		finally:
			connection.close()


def signed(secret: str, channel: str, client: str, text: str) -> tuple[bytes, dict]:
	body = json.dumps(
		{"channel": channel, "client": {"id": client, "full_name": client}, "text": text}
	).encode()
	return body, {
		"X-IQChannels-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
	}


def chat_message(channel: str, token: str, text: str) -> bytes:
	return json.dumps({"channel": channel, "token": token, "text": text}).encode()


def paced(rate: float, going, call) -> None:
	"""Call `call(i)` `rate` times a second while `going()`, on schedule (a late call is not made up
	twice). Each call falls at a random moment of its interval, as calls from many people do: callers
	paced on the same clock at whole rates would otherwise lock in step, and whether the timed calls
	met the flood's or fell between them would be decided by the phase's first instant."""
	started, i = time.perf_counter(), 0
	while going():
		call(i)
		i += 1
		due = started + (i + random.random()) / rate
		wait = due - time.perf_counter()
		while wait > 0 and going():
			time.sleep(min(wait, 0.1))
			wait = due - time.perf_counter()
		if wait < -1:
			started, i = time.perf_counter(), 0


def well_behaved(port, host, floor, partner, partner_rate, visitors, visitor_rate, done, calls) -> None:
	"""The partner's signed messages (ten customers of its own) and the visitors' web-chat messages, each
	at its steady rate until `done`; `calls` gets a (kind, wall-clock start, seconds, status) a call."""
	partner_site = Site(port, partner, host)
	visitor_sites = [(Site(port, address, host), tokens) for address, tokens in visitors]

	def partner_message(i: int) -> None:
		body, headers = signed(
			floor["secret"], floor["api"], f"{floor['prefix']}-customer-{i % 10}", f"Question {i}"
		)
		began = time.time()
		status, seconds = partner_site.post(INBOUND, body, headers)
		calls.put(("partner", began, seconds, status))

	def visitor_message(i: int) -> None:
		site, tokens = visitor_sites[i % len(visitor_sites)]
		token = tokens[(i // len(visitor_sites)) % len(tokens)]
		began = time.time()
		status, seconds = site.post(SEND, chat_message(floor["chat"], token, f"Message {i}"))
		calls.put(("visitor", began, seconds, status))

	going = lambda: not done.is_set()  # noqa: E731
	threads = [
		threading.Thread(target=paced, args=(partner_rate, going, partner_message)),
		threading.Thread(target=paced, args=(visitor_rate, going, visitor_message)),
	]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()


def flooder(port, host, floor, kind, address, rate, tokens, flooding, done, answers) -> None:
	"""One flooding address: new customers' signed messages ("inbound API") or web-chat messages of its
	`tokens` ("web chat") at `rate` a second while `flooding` is set, until `done`; then puts its
	answers by status on `answers`."""
	os.nice(10)
	site, counts, lock = Site(port, address, host), Counter(), threading.Lock()

	def sender(offset: int):
		def call(i: int) -> None:
			n = 2 * i + offset
			if kind == "inbound API":
				body, headers = signed(
					floor["secret"], floor["api"], f"{floor['prefix']}-{address}-{n}", "Flood"
				)
				status = site.post(INBOUND, body, headers)[0]
			else:
				status = site.post(SEND, chat_message(floor["chat"], tokens[n % len(tokens)], "Flood"))[0]
			with lock:
				counts[status] += 1

		return call

	def send(offset: int) -> None:
		while not done.is_set():
			if flooding.wait(0.1):
				paced(rate / 2, lambda: flooding.is_set() and not done.is_set(), sender(offset))

	# Two senders an address, so that a slow answer does not hold its address's pace back.
	threads = [threading.Thread(target=send, args=(offset,)) for offset in (0, 1)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	answers.put((kind, dict(counts)))
