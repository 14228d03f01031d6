"""How long a message takes to reach the other side, on a running site, through its socket.io.

	python benchmarks/message_latency.py --fixture FIXTURE.json --messages 200

needs what `e2e/run` starts (the site's web server, its socket.io server, an RQ worker) and the data of
`iqchannels.tests.browser_fixture.prepare` (an operator, a website chat and an API channel of her line).
It times, over `--messages` messages each:

- a website visitor's send (`iqchannels.api.widget.send`) until the operator's socket has the message;
- a partner's signed message (`iqchannels.api.inbound.message`) until the operator's socket has it;
- a reply from the desk (`iqchannels.api.operator.reply`) until the visitor's socket has it;
- a Telegram user's message, pushed through the Bot API stand-in that `e2e/run` starts (it posts the
  update to the site's webhook as Telegram does), until the operator's socket has it;
- a reply from the desk into a Telegram conversation until the stand-in Bot API has the `sendMessage`;

and, in the same run and against the same server, a plain authenticated REST insert of a small document
(`POST /api/resource/ToDo`), the yardstick the figures are printed against. A new client's first message,
which also makes their profile and opens a conversation, is timed apart.
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

MESSAGES_PER_VISITOR = 50  # the chat lets one visitor send 60 a minute
PARTNER_CLIENTS = 10


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
	"""The Telegram Bot API stand-in's control surface (iqchannels.tests.telegram_standin)."""

	def __init__(self, url: str):
		self.url = url.rstrip("/")
		self.seen = len(self.sent())

	def push_text(self, user_id: int, text: str) -> None:
		sender = {"id": user_id, "is_bot": False, "first_name": "Latency", "username": f"latency{user_id}"}
		answer = requests.post(
			f"{self.url}/control/push",
			json={"builder": "text_update", "args": {"text": text, "sender": sender}},
		)
		answer.raise_for_status()

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


def login(args, user: str, password: str) -> requests.Session:
	session = requests.Session()
	session.post(f"{args.site_url}/api/method/login", data={"usr": user, "pwd": password}).raise_for_status()
	return session


def post(session, url: str, **kwargs) -> dict:
	answer = session.post(url, **kwargs)
	if answer.status_code >= 300:
		raise RuntimeError(f"{url}: {answer.status_code} {answer.text[:300]}")
	return answer.json()


def summary(name: str, seconds: list[float], yardstick: float | None) -> str:
	ms = sorted(s * 1000 for s in seconds)
	median = statistics.median(ms)
	p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
	ratio = f"{median / yardstick:5.2f}×" if yardstick else "   1×"
	return f"{name:<44} median {median:7.1f} ms   p95 {p95:7.1f} ms   {ratio}"


def main():
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--fixture", default=os.environ.get("IQC_FIXTURE"))
	parser.add_argument("--site", default=os.environ.get("IQC_SITE"))
	parser.add_argument("--site-url", default=os.environ.get("IQC_SITE_URL"))
	parser.add_argument("--socketio-url", default=os.environ.get("IQC_SOCKETIO_URL"))
	parser.add_argument("--messages", type=int, default=200)
	args = parser.parse_args()
	data = json.load(open(args.fixture))
	api = f"{args.site_url}/api/method/iqchannels.api."
	run = uuid.uuid4().hex[:8]

	operator = login(args, data["ann"], data["password"])
	post(operator, api + "operator.set_status", data={"status": "Active"})
	operator_ears = Listener(args, f"sid={operator.cookies['sid']}")
	operator_ears.socket.emit("doc_subscribe", ("IQC Line", data["line"]), namespace=operator_ears.namespace)

	visitors = []
	for _ in range(max(1, -(-args.messages // MESSAGES_PER_VISITOR))):
		http = requests.Session()
		started = post(http, api + "widget.start", json={"channel": data["website_chat"]})["message"]
		ears = Listener(args, "sid=Guest")
		ears.socket.emit("task_subscribe", started["room"], namespace=ears.namespace)
		visitors.append({"http": http, "token": started["token"], "ears": ears, "conversation": None})
	time.sleep(1)  # the rooms are joined

	def widget_send(i: int) -> float:
		visitor = visitors[i % len(visitors)]
		began = time.perf_counter()
		sent = post(
			visitor["http"],
			api + "widget.send",
			json={"channel": data["website_chat"], "token": visitor["token"], "text": f"Widget message {i}"},
		)["message"]["message"]
		visitor["conversation"] = sent["conversation"]
		return operator_ears.wait_for(sent["name"]) - began

	def partner_send(i: int) -> float:
		body = json.dumps(
			{
				"channel": data["channel"],
				"client": {"id": f"latency-{run}-{i % PARTNER_CLIENTS}", "full_name": "Latency Client"},
				"message_id": str(uuid.uuid4()),
				"text": f"Partner message {i}",
			}
		).encode()
		signature = "sha256=" + hmac.new(data["secret"].encode(), body, hashlib.sha256).hexdigest()
		began = time.perf_counter()
		sent = post(
			requests,
			api + "inbound.message",
			data=body,
			headers={"Content-Type": "application/json", "X-IQChannels-Signature": signature},
		)["message"]
		return operator_ears.wait_for(sent["message"]) - began

	# A supervisor answers: she may write in any conversation, queued or assigned.
	supervisor = login(args, data["supervisor"], data["password"])

	def reply(i: int) -> float:
		visitor = visitors[i % len(visitors)]
		began = time.perf_counter()
		sent = post(
			supervisor,
			api + "operator.reply",
			data={"conversation": visitor["conversation"], "text": f"Reply {i}"},
		)["message"]
		return visitor["ears"].wait_for(sent["name"]) - began

	bot = BotApi(data["telegram_api"]) if data.get("telegram_api") else None
	telegram_chats: dict[int, int] = {}  # Telegram user -> conversation
	telegram_texts = itertools.count()  # every update's text is its own: arrivals are matched by it

	def telegram_send(i: int) -> float:
		user_id = 7_000_000 + (int(run, 16) % 1000) * 100 + i % PARTNER_CLIENTS
		text = f"Telegram message {run} {next(telegram_texts)}"
		began = time.perf_counter()
		bot.push_text(user_id, text)
		arrived, conversation = operator_ears.wait_for_text(text)
		telegram_chats[user_id] = conversation
		return arrived - began

	def telegram_reply(i: int) -> float:
		conversation = list(telegram_chats.values())[i % len(telegram_chats)]
		text = f"Telegram reply {run} {i}"
		began = time.time()
		post(supervisor, api + "operator.reply", data={"conversation": conversation, "text": text})
		return bot.wait_for_sent(text) - began

	def rest_insert(i: int) -> float:
		began = time.perf_counter()
		post(
			operator,
			f"{args.site_url}/api/resource/ToDo",
			# Frappe lets a user make a ToDo that is theirs.
			json={"description": f"Latency yardstick {i}", "allocated_to": data["ann"]},
		)
		return time.perf_counter() - began

	runs = {"REST insert of a ToDo (the yardstick)": [rest_insert(i) for i in range(args.messages)]}
	# A new client's first message also makes their profile and opens a conversation: timed apart.
	runs["widget, a new visitor's first message"] = [widget_send(i) for i in range(len(visitors))]
	runs["API, a new client's first message"] = [partner_send(i) for i in range(PARTNER_CLIENTS)]
	runs["widget send → operator's socket"] = [widget_send(i) for i in range(args.messages)]
	runs["API message → operator's socket"] = [partner_send(i) for i in range(args.messages)]
	runs["desk reply → visitor's socket"] = [reply(i) for i in range(args.messages)]
	if bot:
		runs["Telegram, a new user's first message"] = [telegram_send(i) for i in range(PARTNER_CLIENTS)]
		runs["Telegram update → operator's socket"] = [telegram_send(i) for i in range(args.messages)]
		runs["desk reply → the bot API (Telegram)"] = [telegram_reply(i) for i in range(args.messages)]

	yardstick = statistics.median(runs["REST insert of a ToDo (the yardstick)"]) * 1000
	print(f"message latency over {args.messages} messages each (first messages apart), on {args.site_url}")
	for name, seconds in runs.items():
		print(summary(name, seconds, None if name.startswith("REST") else yardstick))
	for listener in [operator_ears] + [v["ears"] for v in visitors]:
		listener.socket.disconnect()
	post(operator, api + "operator.set_status", data={"status": "Offline"})


if __name__ == "__main__":
	main()
