"""A database connection lost in the middle of a partner's request, and deliveries whose job was lost.

The request runs through Frappe's WSGI application on a connection of its own. The test holds the
client's row, so that the request waits on it, and kills the request's connection as a MariaDB restart
does: the partner must get 503 with Retry-After and a sentence, no stack trace, nothing stored, and its
retry must be stored once.
"""

import json
import threading
import time
from datetime import timedelta

import frappe
from frappe.tests.test_api import make_request
from frappe.utils import get_test_client, now_datetime

from iqchannels.channels.registry import retry_due
from iqchannels.records.signing import sign
from iqchannels.tests.factories import IQCTestCase, make_channel, make_line, remove_committed_floor, unique

ENDPOINT = "/api/method/iqchannels.api.inbound.message"


class TestLostDatabaseConnection(IQCTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.line = make_line()
		cls.channel = make_channel(cls.line)
		cls.secret = cls.channel.get_password("secret")
		frappe.db.commit()  # the requests run on their own connections and must see the channel

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		remove_committed_floor([cls.channel.name], cls.line)
		super().tearDownClass()

	def post(self, client: str, message_id: str):
		body = json.dumps(
			{
				"channel": self.channel.name,
				"client": {"id": client, "full_name": "Patient Partner"},
				"text": "Are you there?",
				"message_id": message_id,
			}
		).encode()
		headers = {"Content-Type": "application/json", "X-IQChannels-Signature": sign(self.secret, body)}
		return make_request(
			target=get_test_client().post, args=(ENDPOINT,), kwargs={"data": body, "headers": headers}
		)

	def stored(self, message_id: str) -> int:
		frappe.db.rollback()
		return frappe.db.count(
			"IQC Message", {"channel": self.channel.name, "author_type": "Client", "external_id": message_id}
		)

	def test_a_request_whose_connection_is_lost_is_answered_503_and_its_retry_is_stored_once(self):
		client = unique("crm")
		first = self.post(client, unique("m"))
		self.assertEqual(first.status_code, 201, first.text)
		profile = first.json["message"]["client"]

		message_id = unique("m")
		frappe.db.sql("select name from `tabIQC Client` where name=%s for update", str(profile))
		answers = []
		request = threading.Thread(target=lambda: answers.append(self.post(client, message_id)))
		request.start()
		waiting = self.wait_for_waiting_request()
		self.assertIsNotNone(waiting, "the request reached the client's row")
		frappe.db.sql(f"kill connection {int(waiting)}")
		frappe.db.rollback()
		request.join(60)

		[answer] = answers
		self.assertEqual(answer.status_code, 503, answer.text)
		self.assertEqual(answer.headers.get("Retry-After"), "5")
		messages = [json.loads(m)["message"] for m in json.loads(answer.json["_server_messages"])]
		self.assertEqual(messages, ["The service is restarting: please send the request again in 5 seconds."])
		self.assertNotIn("Traceback", answer.text)
		self.assertNotIn("exc", {k for k in answer.json if k != "exc_type"})
		self.assertEqual(self.stored(message_id), 0)

		retried = self.post(client, message_id)
		self.assertEqual(retried.status_code, 201, retried.text)
		self.assertEqual(self.stored(message_id), 1)
		again = self.post(client, message_id)
		self.assertEqual(again.status_code, 200, again.text)
		self.assertEqual(self.stored(message_id), 1)

	def wait_for_waiting_request(self):
		"""The id of the connection whose query waits for the row this test holds."""
		mine = frappe.db.sql("select connection_id()")[0][0]
		deadline = time.monotonic() + 10
		while time.monotonic() < deadline:
			rows = frappe.db.sql(
				"""select id from information_schema.processlist where id != %s
				and info like 'select%%from `tabIQC Client` where name=%%for update'""",
				mine,
			)
			if rows:
				return rows[0][0]
			time.sleep(0.05)
		return None


class TestLostDeliveryJobs(IQCTestCase):
	def test_a_first_attempt_whose_job_was_lost_is_made_by_retry_due(self):
		from iqchannels.tests.factories import client_writes

		line = make_line()
		channel = make_channel(line, "API", webhook_url="http://127.0.0.1:9/hook")
		conversation = client_writes(channel, unique("crm")).conversation
		doc = frappe.get_doc("IQC Conversation", conversation)
		from iqchannels.flows.lifecycle import say

		lost = say(doc, "Bot", "Hello! An operator will answer shortly.")
		fresh = say(doc, "Bot", "Still here.")
		self.assertEqual((lost.delivery_status, fresh.delivery_status), ("Pending", "Pending"))
		# Stored a minute ago and never attempted: its job went with Redis or with its worker.
		frappe.db.set_value(
			"IQC Message", lost.name, "creation", now_datetime() - timedelta(minutes=1), update_modified=False
		)
		due = retry_due()
		self.assertIn(lost.name, due)
		self.assertNotIn(fresh.name, due, "a job just enqueued keeps its place")

	def test_a_job_rq_believes_alive_but_whose_worker_died_is_enqueued_again(self):
		from frappe.utils.background_jobs import create_job_id, get_queue
		from rq.job import Job

		from iqchannels.channels.base import ATTEMPT_JOB, ATTEMPT_QUEUE, attempt_job_id
		from iqchannels.flows.lifecycle import say
		from iqchannels.tests.factories import client_writes

		line = make_line()
		channel = make_channel(line, "API", webhook_url="http://127.0.0.1:9/hook")
		doc = frappe.get_doc("IQC Conversation", client_writes(channel, unique("crm")).conversation)
		killed, running, taken, waiting = (say(doc, "Bot", f"Greeting {i}").name for i in range(4))
		for name in (killed, running, taken, waiting):
			frappe.db.set_value(
				"IQC Message", name, "creation", now_datetime() - timedelta(minutes=1), update_modified=False
			)
		queue = get_queue(ATTEMPT_QUEUE)
		jobs = {}
		for name in (killed, running, taken, waiting):
			jobs[name] = Job.create(
				ATTEMPT_JOB,
				kwargs={"message": name},
				id=create_job_id(attempt_job_id(name)),
				connection=queue.connection,
				origin=queue.name,
			)
			jobs[name].save()
			self.addCleanup(jobs[name].delete)
		queue.enqueue_job(jobs[waiting])
		for name, started_ago in ((killed, timedelta(minutes=5)), (running, timedelta(seconds=5))):
			with queue.connection.pipeline() as pipeline:
				jobs[name].prepare_for_execution("a-worker-killed-with-its-work-horse", pipeline)
				pipeline.execute()
			jobs[name].started_at -= started_ago
			jobs[name].save()
		jobs[taken].set_status("queued")  # taken from the queue's list by a worker killed at once

		due = retry_due()
		self.assertIn(killed, due, "its worker was killed: RQ believes it started, for good")
		self.assertIn(taken, due, "RQ believes it queued, but no list holds it")
		self.assertNotIn(running, due, "an attempt under way is not made twice")
		self.assertNotIn(waiting, due, "a job still waiting keeps its place")
