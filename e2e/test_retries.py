"""Copies of one request fired at the same instant at the running site, as a partner's client does
when it retries a timed-out call and as a website chat does on a flaky connection: exactly one
message, one client and one conversation are stored, the first copy is answered 201 and every other
copy 200 with the stored message and `"created": false`, never an error."""

import threading

import frappe
import live_site as live
import pytest
import requests

COPIES = 10


pytestmark = pytest.mark.usefixtures("connected")


@pytest.fixture(scope="module")
def floor():
	line, channel, secret, _users = live.setup_floor(1, 5)
	from iqchannels.tests.factories import make_channel

	chat = make_channel(line, "Web widget").name
	frappe.db.commit()
	return {"line": line, "channel": channel, "secret": secret, "chat": chat}


def at_once(call, copies: int = COPIES) -> list[requests.Response]:
	"""`copies` calls released together by a barrier, each on its own connection."""
	barrier = threading.Barrier(copies)
	answers: list = [None] * copies

	def fire(i: int):
		session = requests.Session()
		barrier.wait()
		answers[i] = call(session)

	threads = [threading.Thread(target=fire, args=(i,)) for i in range(copies)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(120)
	return answers


def assert_one_created(answers: list[requests.Response]) -> dict:
	statuses = sorted(a.status_code for a in answers)
	assert statuses == [200] * (len(answers) - 1) + [201], [
		a.text[:300] for a in answers if a.status_code >= 300
	]
	bodies = [a.json()["message"] for a in answers]
	assert sorted(b["created"] for b in bodies) == [False] * (len(answers) - 1) + [True]
	return bodies


def stored(**filters) -> list:
	live.fresh()
	return frappe.get_all("IQC Message", filters=filters, fields=["name", "client", "conversation"])


def partner_copies(floor, client: str, message_id: str) -> list[requests.Response]:
	body = {
		"channel": floor["channel"],
		"client": {"id": client, "full_name": "Retrying Client"},
		"text": "Where is my order?",
		"message_id": message_id,
	}
	return at_once(
		lambda session: live.post("iqchannels.api.inbound.message", body, floor["secret"], session)
	)


def test_a_new_clients_message_sent_ten_times_at_once(floor):
	client, message_id = live_id("new"), live_id("m")
	bodies = assert_one_created(partner_copies(floor, client, message_id))
	assert len({b["message"] for b in bodies}) == 1, "every copy names the same message"
	[message] = stored(channel=floor["channel"], external_id=message_id)
	clients = frappe.get_all(
		"IQC Client Identity", filters={"channel": floor["channel"], "external_id": client}, pluck="parent"
	)
	assert clients == [message.client]
	assert frappe.db.count("IQC Conversation", {"client": message.client}) == 1


def test_a_known_clients_message_sent_ten_times_at_once(floor):
	client = live_id("known")
	first = live.client_message(floor["channel"], floor["secret"], client, "Hello", live_id("m"))
	assert first.status_code == 201, first.text
	message_id = live_id("m")
	bodies = assert_one_created(partner_copies(floor, client, message_id))
	assert len({b["message"] for b in bodies}) == 1
	assert len(stored(channel=floor["channel"], external_id=message_id)) == 1
	assert frappe.db.count("IQC Conversation", {"client": first.json()["message"]["client"]}) == 1


def widget(session, method: str, **data) -> requests.Response:
	return session.post(f"{live.URL}/api/method/iqchannels.api.widget.{method}", data=data, timeout=60)


def test_a_new_visitors_first_message_sent_twice_at_once(floor):
	token = widget(requests, "start", channel=floor["chat"]).json()["message"]["token"]
	answers = at_once(
		lambda s: widget(s, "send", channel=floor["chat"], token=token, text="Hi!", local_id="first-1"), 2
	)
	bodies = assert_one_created(answers)
	rows = stored(channel=floor["chat"], name=bodies[0]["message"]["name"])
	assert len(rows) == 1
	client = rows[0].client
	assert len(stored(channel=floor["chat"], client=client, author_type="Client")) == 1
	assert frappe.db.count("IQC Client Identity", {"channel": floor["chat"], "parent": client}) == 1
	assert frappe.db.count("IQC Conversation", {"client": client}) == 1


def test_a_visitors_file_sent_twice_at_once_is_stored_once(floor):
	from iqchannels.tests.sample_files import image

	token = widget(requests, "start", channel=floor["chat"]).json()["message"]["token"]
	first = widget(
		requests, "send", channel=floor["chat"], token=token, text="A photo follows", local_id="t-1"
	)
	assert first.status_code == 201, first.text
	content = image("PNG")

	def upload(session):
		return session.post(
			f"{live.URL}/api/method/iqchannels.api.widget.send_file",
			data={"channel": floor["chat"], "token": token, "local_id": "photo-1"},
			files={"file": ("photo.png", content, "image/png")},
			timeout=60,
		)

	bodies = assert_one_created(at_once(upload, 2))
	name = bodies[0]["message"]["name"]
	assert {b["message"]["name"] for b in bodies} == {name}
	live.fresh()
	files = frappe.get_all(
		"File", filters={"attached_to_doctype": "IQC Message", "attached_to_name": str(name)}
	)
	assert len(files) == 1
	client = stored(name=name)[0].client
	assert len(stored(client=client, author_type="Client")) == 2


def live_id(prefix: str) -> str:
	return f"{prefix}-{frappe.generate_hash(length=8)}"
