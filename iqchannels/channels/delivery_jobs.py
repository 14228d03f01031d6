"""Delivery attempts as RQ jobs (layer: channels): which first attempts lost their job, and a burst's
jobs taken over by the job that runs first.

Every first attempt is one job, `iqc-deliver-<message>`, so a message has at most one attempt waiting.
A job can be lost in three ways: Redis restarts without its data (every waiting job goes), its worker
is killed with its work horse (RQ believes the job started, for good), or its worker is killed between
taking it from the queue and starting it (RQ believes it queued, though no list holds it). RQ's
deduplication counts the last two as alive, so `lost` looks at the job itself: only a job that waits in
the queue's list, or that started a short while ago, is alive.

A job's start (a fork, Frappe's and this app's imports) costs several times an attempt, so after a
burst of greetings, or once `retry_due` has enqueued what Redis lost, two workers would need a minute
for a few hundred jobs. The job that runs first therefore takes over the delivery jobs still waiting
(`take_over`): it removes each from the queue's list (the one that removes it owns it; a worker that
took it first runs it itself), marks it started, as a worker does, and makes the attempt in-process. It
stops when another kind of job waits at the head of the queue, so that a distribution run does not wait.
"""

import time
from collections.abc import Callable
from datetime import timedelta

import frappe
from frappe.utils.background_jobs import create_job_id, get_queue
from rq import get_current_job
from rq.job import Job, JobStatus
from rq.utils import utcnow

from iqchannels.channels.base import ATTEMPT_QUEUE, attempt_job_id

# A job started this long ago whose message is still Pending lost its worker: no attempt lasts this long
# (the channels' own timeouts are 10 to 15 seconds).
STUCK_AFTER = timedelta(minutes=2)
# What one job takes over: a bound in time, so that a job does not keep a worker for long.
TAKE_OVER_SECONDS = 10
TAKE_OVER_BATCH = 50


def lost(messages: list[int]) -> list[int]:
	"""The messages among `messages` (Pending, never attempted) whose delivery job neither waits in
	the queue nor runs."""
	if not messages:
		return []
	queue = get_queue(ATTEMPT_QUEUE)
	jobs = Job.fetch_many([create_job_id(attempt_job_id(m)) for m in messages], connection=queue.connection)
	waiting = set(queue.get_job_ids())
	gone, unsure = [], []
	for message, job in zip(messages, jobs, strict=True):
		if job is None or not alive(job, waiting):
			# Queued yet in no list: a worker may be between taking it and starting it; look again.
			(
				unsure if job is not None and job.get_status(refresh=False) == JobStatus.QUEUED else gone
			).append((message, job))
	if unsure:
		time.sleep(1)
		waiting = set(queue.get_job_ids())
		for message, job in unsure:
			job.refresh()
			if not alive(job, waiting):
				gone.append((message, job))
	for _message, job in gone:
		if job is not None:
			job.delete()  # so that the new job is not deduplicated against it
	return sorted(message for message, _job in gone)


def alive(job: Job, waiting: set) -> bool:
	status = job.get_status(refresh=False)
	if status == JobStatus.QUEUED:
		return job.id in waiting
	if status == JobStatus.STARTED:
		return bool(job.started_at) and utcnow() - job.started_at < STUCK_AFTER
	return False


def take_over(attempt: Callable[[int], str]) -> int:
	"""Called by a delivery job after its own attempt: the delivery jobs of this site still waiting in
	the queue are made here, newest first (the workers take the oldest), for TAKE_OVER_SECONDS at
	most. Returns how many were made."""
	this_job = get_current_job()
	if this_job is None:
		return 0
	queue = get_queue(ATTEMPT_QUEUE)
	prefix = create_job_id(attempt_job_id(""))
	started, made = time.monotonic(), 0
	while time.monotonic() - started < TAKE_OVER_SECONDS:
		head = queue.get_job_ids(0, 1)
		if head and not head[0].startswith(prefix):
			break  # another kind of job waits (a distribution run): this worker goes back to the queue
		tail = queue.get_job_ids(-TAKE_OVER_BATCH, TAKE_OVER_BATCH)
		waiting = [job_id for job_id in reversed(tail) if job_id.startswith(prefix)]
		taken = 0
		for job_id in waiting:
			if time.monotonic() - started >= TAKE_OVER_SECONDS:
				break
			if not queue.remove(job_id):
				continue  # a worker took it
			taken += 1
			made += make(job_id, job_id[len(prefix) :], this_job.worker_name, queue, attempt)
		if not taken:
			break
	return made


def make(job_id: str, message: str, worker_name: str, queue, attempt: Callable[[int], str]) -> int:
	"""The attempt of a job taken out of the queue, recorded on the job as its worker would."""
	try:
		job = Job.fetch(job_id, connection=queue.connection)
	except Exception:
		job = None  # its record is gone: the message is still ours to attempt
	if job is not None:
		with queue.connection.pipeline() as pipeline:
			job.prepare_for_execution(worker_name, pipeline)
			pipeline.execute()
	try:
		attempt(int(message))
		frappe.db.commit()
	except Exception:
		# The database went away, say: the job is marked failed, so that retry_due enqueues it again.
		if job is not None:
			job.set_status(JobStatus.FAILED)
		raise
	if job is not None:
		job.delete(remove_from_queue=False)
	return 1
