"""Distribution on a real site: sticky routing, the assignment log, supervisor overrides."""

import frappe
from frappe.utils.background_jobs import get_queue
from rq.job import Job

from iqchannels.api import operator as api
from iqchannels.api import supervisor
from iqchannels.flows import distribution
from iqchannels.records import wakeups
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	make_supervisor,
)


class TestDistribution(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator(first_name="Ann", status="Active", slots=2)
		self.bob = make_operator(first_name="Bob", status="Active", slots=2)
		self.line = make_line([self.ann, self.bob])
		self.channel = make_channel(self.line)

	def log(self, conversation):
		return frappe.get_all(
			"IQC Assignment Log",
			filters={"conversation": str(conversation)},
			fields=[
				"operator",
				"rule",
				"reason",
				"load_before",
				"slots",
				"over_slots",
				"available",
				"candidates",
				"assigned_by",
			],
			order_by="name asc",
		)

	def test_every_assignment_is_logged_with_its_reason_and_candidates(self):
		first = client_writes(self.channel, "d-1").conversation
		distribution.distribute_line(self.line)
		[entry] = self.log(first)
		self.assertEqual(entry.rule, "least loaded")
		self.assertEqual(entry.available, 2)
		self.assertEqual(entry.candidates.split(", ")[0], entry.operator)
		self.assertEqual(set(entry.candidates.split(", ")), {self.ann, self.bob})
		self.assertEqual(frappe.db.get_value("IQC Conversation", first, "assignment_reason"), entry.reason)

	def test_a_returning_client_goes_back_to_the_previous_operator(self):
		first = client_writes(self.channel, "d-2").conversation
		distribution.distribute_line(self.line)
		previous = frappe.db.get_value("IQC Conversation", first, "operator")
		other = self.bob if previous == self.ann else self.ann
		frappe.set_user(previous)
		api.close(first, "Resolved")
		frappe.set_user("Administrator")
		# the previous operator is now busier than the other one, and still gets the client back
		client_writes(self.channel, "d-3")
		client_writes(self.channel, "d-4")
		again = client_writes(self.channel, "d-2", "me again").conversation
		distribution.distribute_line(self.line)
		self.assertEqual(frappe.db.get_value("IQC Conversation", again, "operator"), previous)
		self.assertEqual(self.log(again)[0].rule, "sticky to previous operator")
		self.assertNotEqual(previous, other)

	def test_supervisor_assigns_over_slots_and_requeues_and_both_are_logged(self):
		boss = make_supervisor()
		names = [client_writes(self.channel, f"d-s{i}").conversation for i in range(5)]
		distribution.distribute_line(self.line)  # 4 slots in all: one waits
		waiting = [n for n in names if frappe.db.get_value("IQC Conversation", n, "status") == "Queued"]
		self.assertEqual(len(waiting), 1)

		frappe.set_user(self.ann)
		self.assertRefused(403, supervisor.assign, waiting[0], self.ann)
		frappe.set_user(boss)
		answer = supervisor.assign(waiting[0], self.ann)
		self.assertTrue(answer["over_slots"])
		entry = self.log(waiting[0])[-1]
		self.assertEqual((entry.rule, entry.assigned_by, entry.over_slots), ("supervisor", boss, 1))
		self.assertEqual(self.count("IQC Conversation", operator=self.ann, status="Open"), 3)

		moved = [n for n in names if frappe.db.get_value("IQC Conversation", n, "operator") == self.bob][0]
		supervisor.assign(moved, self.ann)  # reassign from Bob
		self.assertEqual(frappe.db.get_value("IQC Conversation", moved, "operator"), self.ann)
		supervisor.requeue(moved)
		self.assertEqual(
			frappe.db.get_value("IQC Conversation", moved, ["status", "operator"]), ("Queued", None)
		)
		self.assertRefused(409, supervisor.requeue, moved)
		self.assertRefused(404, supervisor.assign, "123456789", self.ann)


class TestWakeups(IQCTestCase):
	"""The queue side of waking a line; the runs themselves are timed on a running site (e2e)."""

	def setUp(self):
		super().setUp()
		self.line = make_line([make_operator(first_name="Wes")])
		self.queue = get_queue(wakeups.QUEUE)

	def waiting_runs(self):
		return [
			job_id
			for job_id in self.queue.job_ids
			if Job.fetch(job_id, self.queue.connection).kwargs.get("kwargs", {}).get("line") == self.line
		]

	def test_a_line_has_one_run_waiting_however_often_it_is_woken(self):
		self.assertTrue(wakeups.wake(self.line))
		self.assertFalse(wakeups.wake(self.line))
		self.assertEqual(len(self.waiting_runs()), 1)
		wakeups.started(self.line)  # once a run has started, a trigger needs the next one
		self.assertTrue(wakeups.wake(self.line))
		self.assertEqual(len(self.waiting_runs()), 2)

	def test_a_run_that_claims_the_waiting_run_takes_it_out_of_the_queue(self):
		self.assertFalse(wakeups.claim(self.line))
		wakeups.wake(self.line)
		[waiting] = self.waiting_runs()
		self.assertTrue(wakeups.claim(self.line))
		self.assertEqual(self.waiting_runs(), [])
		self.assertFalse(Job.exists(waiting, connection=self.queue.connection))
		self.assertFalse(wakeups.claim(self.line))
		self.assertTrue(wakeups.wake(self.line), "after a claim, the next trigger enqueues a run again")
