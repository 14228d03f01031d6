"""This app's short background jobs run in the process of the job before them (layer: records and
infrastructure).

An RQ worker forks for every job, and the fork imports what its job touches: Frappe's documents,
`requests`, this app's flows. For a distribution run or a delivery attempt that costs several times the
work itself: under a flood of new conversations, the worker spent two thirds of its CPU importing.

So a job of this app, once its own work is committed, calls `relay`: while the job at the head of its
queue is one of the kinds in RELAYED and of this site, it takes that job out of the queue (whoever
removes a job owns it: a worker that took it first runs it itself), marks it started as a worker does,
runs it here and marks it finished. It stops at any other job, so that nothing else waits behind it,
after RELAY_SECONDS, or once nothing has come for LINGER_SECONDS, and the worker goes back to the queue.
A relayed job that fails is marked failed and ends the relay; what recovers a failed job of its kind
recovers it (the next trigger of a line, `retry_due` for a delivery).

The kinds are named by their dotted paths, the one way this layer knows the jobs of the layers above.
"""

import contextlib
import time

import frappe
from frappe.utils.background_jobs import get_queue
from rq import get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

RELAYED = frozenset({"iqchannels.flows.distribution.run", "iqchannels.channels.registry.attempt_job"})
RELAY_SECONDS = 10
LINGER_SECONDS = 1.0
POLL_SECONDS = 0.05
RESULT_TTL = 600  # as long as RQ keeps a finished job of Frappe's


def relay(queue_name: str) -> int:
	"""Run the jobs of RELAYED waiting at the head of `queue_name` in this process; returns how many
	ran. Outside a worker's job, and inside a job this relay runs, it does nothing."""
	this_job = get_current_job()
	if this_job is None or getattr(frappe.local, "iqc_relaying", False):
		return 0
	frappe.local.iqc_relaying = True
	try:
		return relay_from(get_queue(queue_name), this_job.worker_name)
	finally:
		frappe.local.iqc_relaying = False


def relay_from(queue, worker_name: str) -> int:
	started = idle_since = time.monotonic()
	ran = 0
	while time.monotonic() - started < RELAY_SECONDS:
		head = queue.get_job_ids(0, 1)
		if not head:
			if time.monotonic() - idle_since >= LINGER_SECONDS:
				break
			time.sleep(POLL_SECONDS)
			continue
		try:
			job = Job.fetch(head[0], connection=queue.connection)
		except NoSuchJobError:
			continue  # taken and finished between the two reads
		if not relayable(job):
			break
		if not queue.remove(job.id):
			continue  # a worker took it
		if not run_here(job, queue, worker_name):
			break
		ran += 1
		idle_since = time.monotonic()
	return ran


def relayable(job: Job) -> bool:
	kwargs = job.kwargs or {}
	return kwargs.get("site") == frappe.local.site and kwargs.get("method") in RELAYED


def run_here(job: Job, queue, worker_name: str) -> bool:
	"""Run a job taken out of the queue as its worker would: as its user, committed, recorded on the job."""
	with queue.connection.pipeline() as pipeline:
		job.prepare_for_execution(worker_name, pipeline)
		pipeline.execute()
	spec, user = job.kwargs, frappe.session.user
	try:
		if spec.get("user"):
			frappe.set_user(spec["user"])
		frappe.get_attr(spec["method"])(**(spec.get("kwargs") or {}))
		frappe.db.commit()
	except Exception:
		with contextlib.suppress(Exception):  # the database may be what failed
			frappe.db.rollback()
		frappe.logger("iqchannels").exception(f"relayed job {job.id} failed")
		with queue.connection.pipeline() as pipeline:
			job.set_status(JobStatus.FAILED, pipeline=pipeline)
			queue.failed_job_registry.add(job, RESULT_TTL, frappe.get_traceback(), pipeline=pipeline)
			pipeline.execute()
		return False
	finally:
		frappe.set_user(user)
	with queue.connection.pipeline() as pipeline:
		job.set_status(JobStatus.FINISHED, pipeline=pipeline)
		queue.finished_job_registry.add(job, RESULT_TTL, pipeline)
		pipeline.execute()
	return True
