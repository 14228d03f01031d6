"""What a client's message costs the site, and how long it takes to reach the other side, on a running
site through its socket.io.

	python benchmarks/message_latency.py --fixture FIXTURE.json --messages 200 --new-clients 20

needs what `e2e/run` starts (the site's web server, its socket.io server, an RQ worker, the Telegram
stand-in) and the data of `iqchannels.tests.browser_fixture.prepare` (an operator, a website chat, an API
channel and a Telegram channel of her line).

**Cost** is a request's round trip as its client sees it: from sending the request until its answer
has arrived, all of the server's work for it included (reading and writing the database, the commit,
the enqueued distribution and the realtime publishes made after the commit). It is measured for:

- the web chat: `iqchannels.api.widget.send`, a visitor's message (the visitor's `start`, which writes
  nothing, is not counted);
- the partner API: `iqchannels.api.inbound.message`, a partner's signed message;
- Telegram: an update POSTed to the site's webhook (`iqchannels.api.telegram.webhook`) with the
  channel's secret header, as Telegram posts it (the secret is read from the stand-in's webhook);
- the yardstick: a plain authenticated REST insert of a small document (`POST /api/resource/ToDo`),
  timed the same way in the same run, its rounds interleaved with the channels' requests so that the
  machine's load weighs on all of them alike.

Each channel's figure is split: a **new client's first message** (the request makes the profile, its
identity, the conversation, the message, the autoreplies and asks for a distribution) and a **known
client's message** (into the conversation already open). The known clients are made while warming up
(not counted: every code path has then run once in the server); the new clients' first messages are
spread over the timed rounds, each followed by a pause (`--settle`) in which the worker runs the
distribution it asked for, a job outside the request that would otherwise slow the next request on a
small machine. Each median is printed as a ratio to the REST insert's median, against the
targets: at most 1.5× for a new client's first message, at most 1.1× for a known client's message.

**Latency** is the time from sending until the other side has the message:

- a visitor's, a partner's or a Telegram user's message until the operator's socket has it;
- a reply from the desk (`iqchannels.api.operator.reply`) until the visitor's socket has it;
- a reply from the desk into a Telegram conversation until the stand-in Bot API has the `sendMessage`.
"""

import argparse
import hashlib
import hmac
import itertools
import json
import os
import statistics
import threading
import time
import uuid

import requests
import socketio

MESSAGES_PER_VISITOR = 5  # the chat's paced limit lets a visitor send 6 at once, then one a second
LISTENING_VISITORS = 4  # the visitors whose sockets hear the desk's replies
TARGETS = {"new": 1.5, "known": 1.1}  # the most a message may cost, in REST inserts
YARDSTICK = "REST insert of a ToDo (the yardstick)"


class Listener:
	"""A socket.io connection that notes when each message's event arrived."""

	def __init__(self, args, cookie: str):
		self.arrived: dict[int, float] = {}
		self.by_text: dict[str, tuple[float, int]] = {}  # preview -> (arrival, conversation)
		self.condition = threading.Condition()
		self.namespace = f"/{args.site}"
		self.socket = socketio.Client(reconnection=False)
		self.socket.on("iqchannels:message-created", self.on_message, namespace=self.namespace)
		self.socket.connect(
			args.socketio_url,
			namespaces=[self.namespace],
			transports=["polling"],
			headers={"Origin": args.site_url, "Cookie": cookie},
			wait_timeout=10,
		)

	def on_message(self, payload):
		name = payload.get("message")
		name = name["name"] if isinstance(name, dict) else name
		with self.condition:
			now = time.perf_counter()
			self.arrived.setdefault(int(name), now)
			if payload.get("preview"):
				self.by_text.setdefault(payload["preview"], (now, payload.get("conversation")))
			self.condition.notify_all()

	def wait_for(self, name: int, timeout: float = 15) -> float:
		with self.condition:
			if not self.condition.wait_for(lambda: name in self.arrived, timeout):
				raise TimeoutError(f"message {name} never arrived")
			return self.arrived[name]

	def wait_for_text(self, text: str, timeout: float = 15) -> tuple[float, int]:
		with self.condition:
			if not self.condition.wait_for(lambda: text in self.by_text, timeout):
				raise TimeoutError(f"message {text!r} never arrived")
			return self.by_text[text]


class BotApi:
	"""The Telegram Bot API stand-in's control surface (iqchannels.tests.telegram_standin): the webhook
	the channel registered with it, and what the bot was asked to send."""

	def __init__(self, url: str):
		self.url = url.rstrip("/")
		self.seen = len(self.sent())
		webhook = requests.get(f"{self.url}/control/webhook").json()["result"]
		self.webhook_url, self.secret = webhook["url"], webhook.get("secret_token") or ""

	def sent(self, since: int = 0) -> list[dict]:
		return requests.get(f"{self.url}/control/sent", params={"since": since}).json()["result"]

	def wait_for_sent(self, text: str, timeout: float = 15) -> float:
		"""When (epoch seconds) the bot was asked to send `text`."""
		deadline = time.time() + timeout
		while time.time() < deadline:
			for call in self.sent(self.seen):
				if call["method"] == "sendMessage" and call["params"].get("text") == text:
					return call["at"]
			time.sleep(0.002)
		raise TimeoutError(f"the bot never sent {text!r}")


def text_update(update_id: int, message_id: int, user_id: int, text: str) -> dict:
	"""A private chat's text message, in the shape Telegram posts it."""
	sender = {"id": user_id, "is_bot": False, "first_name": "Latency", "username": f"latency{user_id}"}
	chat = {"id": user_id, "type": "private", "first_name": "Latency", "username": f"latency{user_id}"}
	message = {"message_id": message_id, "from": sender, "chat": chat, "date": int(time.time()), "text": text}
	return {"update_id": update_id, "message": message}


def login(args, user: str, password: str) -> requests.Session:
	session = requests.Session()
	session.post(f"{args.site_url}/api/method/login", data={"usr": user, "pwd": password}).raise_for_status()
	return session


def post(session, url: str, **kwargs) -> dict:
	answer = session.post(url, **kwargs)
	if answer.status_code >= 300:
		raise RuntimeError(f"{url}: {answer.status_code} {answer.text[:300]}")
	return answer.json()


def timed_post(session, url: str, **kwargs) -> tuple[dict, float, float]:
	"""(the answer, when the request was sent, its round trip in seconds)."""
	began = time.perf_counter()
	answer = post(session, url, **kwargs)
	return answer, began, time.perf_counter() - began


def median_ms(seconds: list[float]) -> float:
	return statistics.median(seconds) * 1000


def summary(name: str, seconds: list[float], yardstick: float | None, target: float | None = None) -> str:
	ms = sorted(s * 1000 for s in seconds)
	median = statistics.median(ms)
	p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
	ratio = f"{median / yardstick:5.2f}×" if yardstick else "   1×"
	verdict = ""
	if target:
		verdict = f"   target ≤ {target}×: {'met' if median / yardstick <= target else 'NOT MET'}"
	return f"{name:<46} n {len(ms):4}   median {median:7.1f} ms   p95 {p95:7.1f} ms   {ratio}{verdict}"


def main():
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--fixture", default=os.environ.get("IQC_FIXTURE"))
	parser.add_argument("--site", default=os.environ.get("IQC_SITE"))
	parser.add_argument("--site-url", default=os.environ.get("IQC_SITE_URL"))
	parser.add_argument("--socketio-url", default=os.environ.get("IQC_SOCKETIO_URL"))
	parser.add_argument("--messages", type=int, default=200, help="known clients' messages per channel")
	parser.add_argument("--new-clients", type=int, default=20, help="new clients per channel")
	parser.add_argument(
		"--settle", type=float, default=0.3, help="seconds to wait after a new client's first message"
	)
	args = parser.parse_args()
	data = json.load(open(args.fixture))
	api = f"{args.site_url}/api/method/iqchannels.api."
	run = uuid.uuid4().hex[:8]
	# The known clients, made while warming up, each within the chat's limit of messages a minute; the
	# new clients after them, whose first messages are spread over the run.
	known = max(LISTENING_VISITORS, -(-args.messages // MESSAGES_PER_VISITOR))
	clients = known + args.new_clients

	operator = login(args, data["ann"], data["password"])
	post(operator, api + "operator.set_status", data={"status": "Active"})
	operator_ears = Listener(args, f"sid={operator.cookies['sid']}")
	operator_ears.socket.emit("doc_subscribe", ("IQC Line", data["line"]), namespace=operator_ears.namespace)

	visitors = []
	for number in range(clients):
		http = requests.Session()
		# Each visitor from an address of their own, as the site's proxy passes it on (the web chat's rate
		# limits count an address): visitors of a website do not share one.
		http.headers["X-Forwarded-For"] = f"198.51.100.{number % 250 + 1}"
		started = post(http, api + "widget.start", json={"channel": data["website_chat"]})["message"]
		visitor = {"http": http, "token": started["token"], "ears": None, "conversation": None}
		if number < LISTENING_VISITORS:
			visitor["ears"] = Listener(args, "sid=Guest")
			visitor["ears"].socket.emit(
				"task_subscribe", started["room"], namespace=visitor["ears"].namespace
			)
		visitors.append(visitor)
	time.sleep(1)  # the rooms are joined

	costs: dict[str, list[float]] = {YARDSTICK: []}
	latencies: dict[str, list[float]] = {}

	def note(table: dict, name: str, seconds: float) -> None:
		table.setdefault(name, []).append(seconds)

	def rest_insert(i: int) -> None:
		_answer, _began, seconds = timed_post(
			operator,
			f"{args.site_url}/api/resource/ToDo",
			# Frappe lets a user make a ToDo that is theirs.
			json={"description": f"Latency yardstick {i}", "allocated_to": data["ann"]},
		)
		costs[YARDSTICK].append(seconds)

	def widget_send(client: int, i: int, kind: str | None) -> None:
		visitor = visitors[client]
		answer, began, seconds = timed_post(
			visitor["http"],
			api + "widget.send",
			json={"channel": data["website_chat"], "token": visitor["token"], "text": f"Widget message {i}"},
		)
		sent = answer["message"]["message"]
		visitor["conversation"] = sent["conversation"]
		arrived = operator_ears.wait_for(sent["name"])
		if kind:
			note(costs, f"web chat, {kind}", seconds)
			note(latencies, "widget send → operator's socket", arrived - began)

	def partner_send(client: int, i: int, kind: str | None) -> None:
		body = json.dumps(
			{
				"channel": data["channel"],
				"client": {"id": f"latency-{run}-{client}", "full_name": "Latency Client"},
				"message_id": str(uuid.uuid4()),
				"text": f"Partner message {i}",
			}
		).encode()
		signature = "sha256=" + hmac.new(data["secret"].encode(), body, hashlib.sha256).hexdigest()
		answer, began, seconds = timed_post(
			requests,
			api + "inbound.message",
			data=body,
			headers={"Content-Type": "application/json", "X-IQChannels-Signature": signature},
		)
		arrived = operator_ears.wait_for(answer["message"]["message"])
		if kind:
			note(costs, f"partner API, {kind}", seconds)
			note(latencies, "API message → operator's socket", arrived - began)

	bot = BotApi(data["telegram_api"]) if data.get("telegram_api") else None
	telegram_chats: dict[int, int] = {}  # Telegram user -> conversation
	update_ids = itertools.count(int(time.time() * 1000) % 2_000_000_000)
	telegram_texts = itertools.count()  # every update's text is its own: arrivals are matched by it

	def telegram_send(client: int, i: int, kind: str | None) -> None:
		user_id = 7_000_000 + (int(run, 16) % 1000) * 1000 + client
		number = next(telegram_texts)
		text = f"Telegram message {run} {number}"
		update = text_update(next(update_ids), number + 1, user_id, text)
		_answer, began, seconds = timed_post(
			requests,
			bot.webhook_url,
			data=json.dumps(update).encode(),
			headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": bot.secret},
		)
		arrived, conversation = operator_ears.wait_for_text(text)
		telegram_chats[user_id] = conversation
		if kind:
			note(costs, f"Telegram, {kind}", seconds)
			note(latencies, "Telegram update → operator's socket", arrived - began)

	# A supervisor answers: she may write in any conversation, queued or assigned.
	supervisor = login(args, data["supervisor"], data["password"])

	def reply(i: int) -> None:
		visitor = visitors[i % LISTENING_VISITORS % len(visitors)]
		sent, began, _seconds = timed_post(
			supervisor,
			api + "operator.reply",
			data={"conversation": visitor["conversation"], "text": f"Reply {i}"},
		)
		note(
			latencies,
			"desk reply → visitor's socket",
			visitor["ears"].wait_for(sent["message"]["name"]) - began,
		)

	def telegram_reply(i: int) -> None:
		conversation = list(telegram_chats.values())[i % len(telegram_chats)]
		text = f"Telegram reply {run} {i}"
		began = time.time()
		post(supervisor, api + "operator.reply", data={"conversation": conversation, "text": text})
		note(latencies, "desk reply → the bot API (Telegram)", bot.wait_for_sent(text) - began)

	senders = [widget_send, partner_send] + ([telegram_send] if bot else [])
	# Warming up, not counted: the known clients' first messages and a few inserts, so that every
	# code path has run once in the server before anything is timed.
	for client in range(known):
		rest_insert(client)
		for send in senders:
			send(client, client, None)
	costs[YARDSTICK].clear()
	# Rounds of one request each, the yardstick's among them: a known client's message on each channel,
	# and every few rounds a new client's first message on each, so that both meet the same load.
	new_at = {
		args.messages * number // max(args.new_clients, 1): known + number
		for number in range(args.new_clients)
	}
	for i in range(args.messages):
		rest_insert(i)
		for send in senders:
			send(i % known, i, "a known client's message")
		if i in new_at:
			for send in senders:
				send(new_at[i], i, "a new client's first message")
				# The distribution run it asked for (a job in the worker) is let finish, so that it does
				# not weigh on the next request on a small machine.
				time.sleep(args.settle)
	for i in range(args.messages):
		reply(i)
		if bot:
			telegram_reply(i)

	yardstick = median_ms(costs[YARDSTICK])
	print(
		f"message cost and latency over {args.messages} known clients' messages and {args.new_clients} new clients' "
		f"first messages per channel, on {args.site_url}"
	)
	print("cost: a request's round trip as its client sees it, against the REST insert's median")
	print(summary(YARDSTICK, costs[YARDSTICK], None))
	for channel in ("web chat", "partner API", "Telegram"):
		for kind, target in (("a new client's first message", "new"), ("a known client's message", "known")):
			if f"{channel}, {kind}" in costs:
				name = f"{channel}, {kind}"
				print(summary(name, costs[name], yardstick, TARGETS[target]))
	print("latency: until the other side has the message")
	for name, seconds in latencies.items():
		print(summary(name, seconds, yardstick))
	for listener in [operator_ears] + [v["ears"] for v in visitors if v["ears"]]:
		listener.socket.disconnect()
	post(operator, api + "operator.set_status", data={"status": "Offline"})


if __name__ == "__main__":
	main()
