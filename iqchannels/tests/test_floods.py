"""Floods against the public endpoints, through Frappe's own request pipeline: what a partner, a visitor
or a flooder sees once an address is over its limit, and what the site's queues hold after a burst."""

import inspect
import json
import time

import frappe
from frappe.tests.test_api import make_request
from frappe.utils import get_test_client
from frappe.utils.background_jobs import get_queue
from rq.job import Job

from iqchannels.api import calls, inbound, telegram, telephony, widget, widget_callbacks
from iqchannels.channels import widget as web_chat
from iqchannels.records import wakeups
from iqchannels.records.rate_limit import burst, hold_off, limits_of
from iqchannels.records.signing import sign
from iqchannels.tests.factories import (
	IQCTestCase,
	make_channel,
	make_line,
	make_operator,
	remove_committed_floor,
	unique,
)

API = "/api/method/iqchannels.api."
FLOODER, NEIGHBOUR = "127.0.0.41", "127.0.0.42"
TOO_MANY = "Too many requests: wait a moment and try again."


class TestFloods(IQCTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.line = make_line([make_operator(status="Offline", first_name="Flora")])
		cls.secret = frappe.generate_hash(length=32)
		cls.api = make_channel(cls.line, "API", secret=cls.secret)
		cls.chat = make_channel(cls.line, "Web widget")
		# Requests run on their own connection: they must see what the test made.
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		remove_committed_floor([cls.api.name, cls.chat.name], cls.line)
		super().tearDownClass()

	def setUp(self):
		super().setUp()
		frappe.cache.delete_keys("rl:")

	# --- requests as they come over the network ---------------------------------------------------

	def post(self, path: str, body: bytes, address: str, headers: dict | None = None):
		"""A POST from `address` through Frappe's WSGI application on its own thread and connection."""
		response = make_request(
			target=get_test_client().post,
			args=(API + path,),
			kwargs={
				"data": body,
				"headers": {"Content-Type": "application/json", **(headers or {})},
				"environ_base": {"REMOTE_ADDR": address},
			},
		)
		frappe.db.commit()
		return response

	def partner_message(self, address: str, client: str, headers: dict | None = None):
		body = json.dumps(
			{"channel": self.api.name, "client": {"id": client, "full_name": "Flood"}, "text": "Hello"}
		).encode()
		signed = {"X-IQChannels-Signature": sign(self.secret, body), **(headers or {})}
		return self.post("inbound.message", body, address, signed)

	def visitor_send(self, address: str, token: str, **extra):
		body = json.dumps({"channel": self.chat.name, "token": token, "text": "Hi", **extra}).encode()
		return self.post("widget.send", body, address)

	def exhaust(self, endpoint: str, address: str) -> None:
		"""The address has flooded `endpoint` far beyond its allowance: it is refused for a while."""
		_limit, seconds, _key = limits_of(frappe.get_attr(endpoint))[0]
		hold_off(f"{endpoint}:{address}", 30, window=seconds)

	def message(self, response) -> str:
		return " ".join(
			json.loads(m)["message"] for m in json.loads(response.json.get("_server_messages", "[]"))
		)

	def written(self) -> tuple[int, int, int]:
		return (
			self.count("IQC Message", channel=["in", [self.api.name, self.chat.name]]),
			self.count("IQC Conversation", line=self.line),
			self.count("IQC Client Identity", channel=["in", [self.api.name, self.chat.name]]),
		)

	# --- the tests --------------------------------------------------------------------------------

	def test_a_partner_over_the_limit_gets_429_with_a_message_and_nothing_is_written(self):
		self.exhaust("iqchannels.api.inbound.message", FLOODER)
		before = self.written()
		refused = self.partner_message(FLOODER, unique("crm"))
		self.assertEqual(refused.status_code, 429, refused.text[:300])
		self.assertEqual(self.message(refused), TOO_MANY)
		self.assertEqual(self.written(), before)
		# Counted before the signature is checked: a flood of unsigned posts is refused as cheaply.
		unsigned = self.partner_message(FLOODER, unique("crm"), {"X-IQChannels-Signature": "sha256=0"})
		self.assertEqual(unsigned.status_code, 429)
		served = self.partner_message(NEIGHBOUR, unique("crm"))
		self.assertEqual(served.status_code, 201, served.text[:800])
		self.assertTrue(frappe.db.exists("IQC Message", served.json["message"]["message"]))

	def test_a_visitor_over_the_limit_gets_429_before_their_arguments_are_read(self):
		token = web_chat.token_for(self.chat, web_chat.new_anonymous_id())
		self.exhaust("iqchannels.api.widget.send", FLOODER)
		before = self.written()
		refused = self.visitor_send(FLOODER, token)
		self.assertEqual((refused.status_code, self.message(refused)), (429, TOO_MANY))
		# Without its text, the call would be refused with 400: over the limit, it is not even read.
		self.assertEqual(self.post("widget.send", b'{"token": "x"}', FLOODER).status_code, 429)
		self.assertEqual(self.written(), before)
		neighbour = web_chat.token_for(self.chat, web_chat.new_anonymous_id())
		self.assertEqual(self.visitor_send(NEIGHBOUR, neighbour).status_code, 201)

	def test_a_visitors_burst_beyond_its_allowance_is_refused_and_a_call_at_the_pace_is_served(self):
		token = web_chat.token_for(self.chat, web_chat.new_anonymous_id())
		per_visitor, seconds, _key = limits_of(widget.send)[1]  # 60 a minute: six at once, then one a second
		answers = [self.visitor_send(FLOODER, token).status_code]  # opens the visitor's conversation
		before = self.written()
		answers += [self.visitor_send(FLOODER, token).status_code for _ in range(burst(per_visitor) + 2)]
		# The burst's calls come faster than one a second: at most one more is let in meanwhile.
		accepted = answers.count(201)
		self.assertIn(accepted, (burst(per_visitor), burst(per_visitor) + 1), answers)
		self.assertEqual(answers, [201] * accepted + [429] * (len(answers) - accepted))
		self.assertEqual(self.written()[0], before[0] + accepted - 1, "a refused message is not stored")
		# Another visitor at the same address, and a call after the limit's pace, are served.
		other = web_chat.token_for(self.chat, web_chat.new_anonymous_id())
		self.assertEqual(self.visitor_send(FLOODER, other).status_code, 201)
		time.sleep(seconds / per_visitor + 0.1)
		self.assertEqual(self.visitor_send(FLOODER, token).status_code, 201)

	def test_an_address_written_in_x_forwarded_for_counts_only_from_the_sites_own_proxy(self):
		self.exhaust("iqchannels.api.inbound.message", FLOODER)
		# A flooder that names another address in the header is still counted as itself.
		spoofed = self.partner_message(FLOODER, unique("crm"), {"X-Forwarded-For": NEIGHBOUR})
		self.assertEqual(spoofed.status_code, 429)
		# Through the proxy on this machine, each client is the address the proxy names last.
		proxied = {"X-Forwarded-For": f"{NEIGHBOUR}, {FLOODER}"}
		self.assertEqual(self.partner_message("127.0.0.1", unique("crm"), proxied).status_code, 429)
		proxied = {"X-Forwarded-For": f"{FLOODER}, {NEIGHBOUR}"}
		self.assertEqual(self.partner_message("127.0.0.1", unique("crm"), proxied).status_code, 201)

	def test_every_public_endpoint_that_takes_a_request_is_rate_limited(self):
		modules = (calls, inbound, telegram, telephony, widget, widget_callbacks)
		public = [
			f"{module.__name__}.{name}"
			for module in modules
			for name, fn in inspect.getmembers(module, inspect.isfunction)
			if fn in frappe.guest_methods and fn.__module__ == module.__name__
		]
		self.assertIn("iqchannels.api.telegram.webhook", public)
		self.assertEqual([name for name in public if not limits_of(frappe.get_attr(name))], [])

	def test_the_telegram_webhook_over_its_limit_is_refused_and_telegram_will_send_again(self):
		self.exhaust("iqchannels.api.telegram.webhook", FLOODER)
		refused = self.post("telegram.webhook?channel=x", b'{"update_id": 1}', FLOODER)
		self.assertEqual((refused.status_code, self.message(refused)), (429, TOO_MANY))

	def test_a_burst_of_new_conversations_enqueues_no_more_distribution_runs_than_start(self):
		queue = get_queue(wakeups.QUEUE)
		registries = (
			queue.started_job_registry,
			queue.finished_job_registry,
			queue.failed_job_registry,
		)

		def runs_of_line() -> tuple[set, set]:
			"""(the line's runs waiting in the queue, those a worker has taken)."""

			def of_line(ids):
				jobs = Job.fetch_many(list(ids), connection=queue.connection)
				return {j.id for j in jobs if j and j.kwargs.get("kwargs", {}).get("line") == self.line}

			return of_line(queue.job_ids), of_line(i for r in registries for i in r.get_job_ids())

		# The run that saving the line asked for goes, so that the burst starts from an idle line.
		for job_id in runs_of_line()[0]:
			queue.remove(job_id)
		frappe.cache.delete(wakeups.mark_key(self.line))
		taken_before = runs_of_line()[1]
		before = self.written()
		for i in range(12):
			self.assertEqual(self.partner_message(f"127.0.1.{i + 1}", unique("burst")).status_code, 201)
		self.assertEqual(self.written()[1], before[1] + 12, "each client opened a conversation")
		waiting, taken = runs_of_line()
		taken -= taken_before
		# One run waits for the whole burst; only a run that a worker took meanwhile (the site's workers
		# may be running) lets a later trigger enqueue the next one. Without a worker: exactly one run.
		self.assertLessEqual(len(waiting), 1)
		self.assertIn(len(waiting | taken), range(1, 12), "fewer runs than conversations, and at least one")
		for job_id in waiting:
			queue.remove(job_id)
		frappe.cache.delete(wakeups.mark_key(self.line))
