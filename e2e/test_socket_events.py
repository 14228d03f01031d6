"""Each realtime event reaches the users entitled to it and nobody else, through the site's own
socket.io server: four people logged in with python-socketio, a customer writing through the
inbound API, and the operators acting through the HTTP API as the workspace does."""

import hashlib
import hmac
import json
import os
import threading
import time
import uuid

import pytest
import requests
import socketio

DATA = json.load(open(os.environ["IQC_FIXTURE"]))
SITE = os.environ["IQC_SITE"]
URL = os.environ["IQC_SITE_URL"]
SOCKETIO = os.environ["IQC_SOCKETIO_URL"]
NAMESPACE = f"/{SITE}"
WAIT = 15


class Listener:
	"""An open socket of a session, recording every iqchannels event it receives."""

	def listen(self, sid: str):
		self.events: list[tuple[str, dict]] = []
		self.lock = threading.Lock()
		self.socket = socketio.Client(reconnection=False)
		self.socket.on("*", self.record, namespace=NAMESPACE)
		self.socket.connect(
			SOCKETIO,
			namespaces=[NAMESPACE],
			# Long-polling sends our Origin as given; the websocket client would add a second one.
			transports=["polling"],
			headers={"Origin": URL, "Cookie": f"sid={sid}"},
			wait_timeout=10,
		)

	def record(self, event, payload=None):
		if event.startswith("iqchannels:"):
			with self.lock:
				self.events.append((event.removeprefix("iqchannels:"), payload or {}))


class Person(Listener):
	"""A logged-in user with an open socket."""

	def __init__(self, user: str):
		self.user = user
		self.http = requests.Session()
		answer = self.http.post(f"{URL}/api/method/login", data={"usr": user, "pwd": DATA["password"]})
		answer.raise_for_status()
		self.listen(self.http.cookies["sid"])

	def join(self, doctype: str, name: str):
		"""As the workspace does: a line's room for its members, the settings' room for supervisors."""
		self.socket.emit("doc_subscribe", (doctype, name), namespace=NAMESPACE)

	def got(self, event: str, **match) -> bool:
		"""An event whose payload matches, or one of whose items does (a distribution run's
		`assignments` come in one event)."""
		with self.lock:
			return any(
				name == event
				and any(
					all(item.get(k) == v for k, v in match.items())
					for item in (payload, *payload.get("assignments", ()))
				)
				for name, payload in self.events
			)

	def call(self, method: str, **args):
		answer = self.http.post(
			f"{URL}/api/method/iqchannels.api.operator.{method}",
			data=args,
			headers={"Accept": "application/json"},
		)
		assert answer.status_code < 300, answer.text
		return answer.json()["message"]


def partner(method: str, payload: dict) -> dict:
	body = json.dumps({"channel": DATA["channel"], **payload}).encode()
	signature = "sha256=" + hmac.new(DATA["secret"].encode(), body, hashlib.sha256).hexdigest()
	answer = requests.post(
		f"{URL}/api/method/iqchannels.api.inbound.{method}",
		data=body,
		headers={"Content-Type": "application/json", "X-IQChannels-Signature": signature},
	)
	assert answer.status_code < 300, answer.text
	return answer.json()["message"]


@pytest.fixture(scope="module")
def people():
	everyone = {key: Person(DATA[key]) for key in ("ann", "bob", "stranger", "supervisor")}
	# The stranger also tries to listen to a line that is not theirs and to the supervisors' room;
	# the site refuses them both.
	for key in ("ann", "bob", "stranger"):
		everyone[key].join("IQC Line", DATA["line"])
	for key in ("supervisor", "stranger"):
		everyone[key].join("IQC Settings", "IQC Settings")
	time.sleep(2)
	yield everyone
	for person in everyone.values():
		person.socket.disconnect()


def heard_only_by(people, receivers: set[str], event: str, **match):
	"""The event reaches every receiver, and a moment later still nobody else."""
	deadline = time.monotonic() + WAIT
	while time.monotonic() < deadline and not all(people[r].got(event, **match) for r in receivers):
		time.sleep(0.1)
	missing = sorted(r for r in receivers if not people[r].got(event, **match))
	assert not missing, f"{event} {match} did not reach {missing}"
	time.sleep(1)
	extra = sorted(key for key, p in people.items() if key not in receivers and p.got(event, **match))
	assert not extra, f"{event} {match} also reached {extra}"


def test_each_event_reaches_exactly_the_entitled_users(people):
	client = {"id": f"socket-{uuid.uuid4()}", "full_name": "Socket Client"}
	opened = partner("message", {"client": client, "message_id": str(uuid.uuid4()), "text": "Hi there"})
	conversation = opened["conversation"]

	# Queued in Ann and Bob's line: both members and the supervisor hear of it; the stranger does not.
	heard_only_by(people, {"ann", "bob", "supervisor"}, "conversation-queued", conversation=conversation)
	heard_only_by(people, {"ann", "bob", "supervisor"}, "message-created", conversation=conversation)
	# The worker gives it to Ann, the line's only Active operator; Bob hears it left the queue.
	heard_only_by(
		people,
		{"ann", "bob", "supervisor"},
		"conversations-assigned",
		conversation=conversation,
		operator=DATA["ann"],
	)

	ann = people["ann"]
	reply = ann.call("reply", conversation=conversation, text="Hello, how can I help?")
	heard_only_by(people, {"ann", "supervisor"}, "message-created", message=reply["name"])
	note = ann.call("add_note", conversation=conversation, text="VIP, careful")
	heard_only_by(people, {"ann", "supervisor"}, "message-created", message=note["name"])

	partner("typing", {"client": {"id": client["id"]}, "typing": True})
	heard_only_by(people, {"ann", "supervisor"}, "typing", conversation=conversation, who="client")

	ann.call("set_status", status="Away")
	heard_only_by(
		people, {"ann", "supervisor"}, "operator-status-changed", operator=DATA["ann"], status="Away"
	)
	ann.call("set_status", status="Active")

	# Bob is at his desk but takes no new work: he can be offered a transfer.
	people["bob"].call("set_status", status="Away")
	offer = ann.call("transfer", conversation=conversation, to_operator=DATA["bob"], comment="yours?")
	heard_only_by(people, {"bob"}, "transfer-offered", transfer=offer["transfer"])
	people["bob"].call("respond_transfer", transfer=offer["transfer"], accept=0)
	heard_only_by(people, {"ann", "bob"}, "transfer-answered", transfer=offer["transfer"], status="Declined")

	ann.call("close", conversation=conversation, result="Resolved")
	heard_only_by(people, {"ann", "supervisor"}, "conversation-closed", conversation=conversation)


class Visitor(Listener):
	"""A website visitor: a guest with the chat's token, listening in their own room."""

	def __init__(self):
		self.http = requests.Session()
		session = self.call("start")
		self.token, self.room = session["token"], session["room"]
		self.listen("Guest")
		self.socket.emit("task_subscribe", self.room, namespace=NAMESPACE)
		# Nor can a guest listen to a line or to the supervisors.
		self.socket.emit("doc_subscribe", ("IQC Line", DATA["line"]), namespace=NAMESPACE)
		self.socket.emit("doc_subscribe", ("IQC Settings", "IQC Settings"), namespace=NAMESPACE)

	def call(self, method: str, **args):
		body = {"channel": DATA["website_chat"], "token": getattr(self, "token", None), **args}
		answer = self.http.post(f"{URL}/api/method/iqchannels.api.widget.{method}", json=body)
		assert answer.status_code < 300, answer.text
		return answer.json()["message"]

	def heard(self, event: str, test) -> bool:
		deadline = time.monotonic() + WAIT
		while time.monotonic() < deadline:
			with self.lock:
				if any(name == event and test(payload) for name, payload in self.events):
					return True
			time.sleep(0.1)
		return False


def test_a_visitor_hears_their_own_conversation_and_nothing_else(people):
	alice, bob = Visitor(), Visitor()
	time.sleep(1)
	sent = alice.call("send", text="Hi from the website", local_id="socket-1")["message"]
	conversation = sent["conversation"]
	# Alice's other tabs hear her own message too.
	assert alice.heard("message-created", lambda p: p["message"]["name"] == sent["name"])
	ann = people["ann"]
	deadline = time.monotonic() + WAIT
	while time.monotonic() < deadline and not ann.got("conversations-assigned", conversation=conversation):
		time.sleep(0.1)
	assert ann.got("conversations-assigned", conversation=conversation)

	ann.call("typing", conversation=conversation, typing=1)
	assert alice.heard("typing", lambda p: p["typing"] is True)
	reply = ann.call("reply", conversation=conversation, text="Hello Alice")
	assert alice.heard(
		"message-created",
		lambda p: p["message"]["name"] == reply["name"] and p["message"]["author_name"] == "Ann",
	)
	note = ann.call("add_note", conversation=conversation, text="Alice is a VIP")
	ann.call("mark_read", conversation=conversation)
	assert alice.heard("messages-read", lambda p: p["conversation"] == conversation)
	ann.call("close", conversation=conversation, result="Resolved")
	assert alice.heard("conversation-closed", lambda p: p["conversation"] == conversation)

	time.sleep(1)
	with alice.lock:
		assert not any(p.get("message", {}).get("name") == note["name"] for _, p in alice.events), "a note"
		# Only the visitor's own room's events: nothing of the line, the floor or the operators.
		assert {name for name, _ in alice.events} <= {
			"message-created",
			"typing",
			"messages-read",
			"conversation-closed",
		}
	with bob.lock:
		assert bob.events == [], "another visitor hears nothing of Alice's chat"
	for visitor in (alice, bob):
		visitor.socket.disconnect()
