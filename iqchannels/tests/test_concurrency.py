"""Distribution under real concurrency: several processes, each with its own database connection,
open conversations, distribute them and change operators' statuses at the same time.

Afterwards nothing may be assigned twice, no operator may hold more than their slots, and every
conversation must still be there, Open with its assignment logged or waiting in the queue.
"""

import os
import subprocess
import sys
import time

import frappe

from iqchannels.flows import distribution
from iqchannels.tests.factories import (
	assignments_and_requeues,
	make_channel,
	make_line,
	make_operator,
	unique,
)

WORKERS = 4
CONVERSATIONS = 1_000
OPERATORS = 50
SLOTS = 8

WORKER = """
import sys, frappe
frappe.init(site=sys.argv[1], sites_path=sys.argv[2])
frappe.connect()
frappe.set_user("Administrator")
from iqchannels.tests.test_concurrency import work
work(*sys.argv[3:])
frappe.destroy()
"""


def retrying(action, attempts: int = 20):
	"""Run `action` in its own transaction; lock conflicts between the processes are retried."""
	for attempt in range(attempts):
		try:
			result = action()
			frappe.db.commit()
			return result
		except Exception as error:
			frappe.db.rollback()
			if (
				not (frappe.db.is_deadlocked(error) or frappe.db.is_timedout(error))
				or attempt == attempts - 1
			):
				raise
			time.sleep(0.01 * (attempt + 1))


def work(role: str, prefix: str, lines: str, operators: str, seed: str, count: str):
	import random

	from iqchannels.flows.receiving import receive_client_message
	from iqchannels.flows.statuses import change_status
	from iqchannels.records.clients import client_for_identity

	rng = random.Random(int(seed))
	lines, operators = lines.split(","), operators.split(",")
	if role == "clients":
		channels = [frappe.get_doc("IQC Channel", f"{prefix}-{line}") for line in lines]
		for i in range(int(count)):
			channel = channels[i % len(channels)]

			def write(i=i, channel=channel):
				client = client_for_identity(channel, f"{prefix}-{seed}-{i}", {"full_name": f"Client {i}"})
				receive_client_message(channel, client, f"message {i}", external_id=f"{seed}-{i}")

			retrying(write)
			if i % 5 == 0:
				retrying(lambda channel=channel: distribution.distribute_line(channel.default_line))
	elif role == "statuses":
		for _ in range(int(count)):
			user = rng.choice(operators)
			status = rng.choice(["Active", "Active", "Active", "Away", "Break"])
			retrying(lambda user=user, status=status: change_status(user, status))
			retrying(lambda: distribution.distribute_line(rng.choice(lines)))


class TestConcurrentDistribution(frappe.tests.utils.FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.prefix = unique("conc")
		cls.operators = [
			make_operator(status="Active", slots=SLOTS, first_name=f"Conc{i}") for i in range(OPERATORS)
		]
		# Two lines sharing ten operators: one operator may be filled from two lines at once.
		cls.lines = [make_line(cls.operators[:30]), make_line(cls.operators[20:])]
		for line in cls.lines:
			channel = make_channel(line)
			frappe.rename_doc("IQC Channel", channel.name, f"{cls.prefix}-{line}", force=True)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		channels = [f"{cls.prefix}-{line}" for line in cls.lines]
		conversations = frappe.get_all(
			"IQC Conversation", filters={"channel": ["in", channels]}, pluck="name"
		)
		names = [str(c) for c in conversations]
		for doctype, field in (("IQC Assignment Log", "conversation"), ("IQC Message", "conversation")):
			if names:
				frappe.db.delete(doctype, {field: ["in", names]})
		clients = frappe.get_all("IQC Client Identity", filters={"channel": ["in", channels]}, pluck="parent")
		frappe.db.delete("IQC Conversation", {"channel": ["in", channels]})
		frappe.db.delete("IQC Client Identity", {"channel": ["in", channels]})
		if clients:
			frappe.db.delete("IQC Client", {"name": ["in", clients]})
		frappe.db.commit()
		super().tearDownClass()

	def test_workers_never_double_assign_overflow_or_lose(self):
		args = [self.prefix, ",".join(self.lines), ",".join(self.operators)]
		per_client_worker = CONVERSATIONS // (WORKERS - 1)
		roles = [
			("clients", per_client_worker + (CONVERSATIONS % (WORKERS - 1) if i == 0 else 0))
			for i in range(WORKERS - 1)
		]
		roles.append(("statuses", 300))
		env = {**os.environ, "PYTHONUNBUFFERED": "1"}
		processes = [
			subprocess.Popen(
				[
					sys.executable,
					"-c",
					WORKER,
					frappe.local.site,
					frappe.local.sites_path,
					role,
					*args,
					str(seed),
					str(count),
				],
				cwd=frappe.local.sites_path,
				env=env,
				stdout=subprocess.PIPE,
				stderr=subprocess.STDOUT,
				text=True,
			)
			for seed, (role, count) in enumerate(roles)
		]
		for process in processes:
			output, _ = process.communicate(timeout=1200)
			self.assertEqual(process.returncode, 0, output[-3000:])

		frappe.db.rollback()  # a fresh snapshot of what the workers committed
		for line in self.lines:
			distribution.distribute_line(line)
		frappe.db.commit()
		self.check_invariants()

	def check_invariants(self):
		channels = [f"{self.prefix}-{line}" for line in self.lines]
		rows = frappe.get_all(
			"IQC Conversation", filters={"channel": ["in", channels]}, fields=["name", "status", "operator"]
		)
		self.assertEqual(len(rows), CONVERSATIONS, "every conversation written is there")
		self.assertEqual({r.status for r in rows} - {"Open", "Queued"}, set())
		opened = [r for r in rows if r.status == "Open"]
		self.assertTrue(opened, "the workers assigned conversations")

		statuses = dict(
			frappe.get_all(
				"IQC Operator",
				filters={"name": ["in", self.operators]},
				fields=["name", "status"],
				as_list=True,
			)
		)
		held = {}
		for r in opened:
			held[r.operator] = held.get(r.operator, 0) + 1
		for operator, count in held.items():
			self.assertLessEqual(count, SLOTS, f"{operator} holds {count} of {SLOTS} slots")
			self.assertIn(
				statuses[operator], ("Active", "Away"), f"{operator} on {statuses[operator]} still holds work"
			)

		names = [str(r.name) for r in rows]
		assignments, requeues = assignments_and_requeues(names)
		for r in rows:
			key = str(r.name)
			expected = requeues.get(key, 0) + (1 if r.status == "Open" else 0)
			self.assertEqual(
				assignments.get(key, 0), expected, f"conversation {key}: assignments vs requeues"
			)
		overflow = frappe.db.sql(
			"select count(*) from `tabIQC Assignment Log` where conversation in %s and load_before >= slots",
			[names],
		)[0][0]
		self.assertEqual(overflow, 0)
		print(
			f"\nconcurrency: {len(rows)} conversations, {len(opened)} open, {sum(assignments.values())} assignments, "
			f"{sum(requeues.values())} requeues across {WORKERS} processes"
		)
