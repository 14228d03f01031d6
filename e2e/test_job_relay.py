"""A burst of the app's background jobs costs the worker one job, and holds nothing else back, on a
running site with a real RQ worker (see records/job_relay.py).

The jobs are queued while no worker runs, then one worker is started: what RQ records of each job
(finished, and when it started) and of the worker (how many jobs it ran itself) is what an
administrator sees in RQ's own dashboards.
"""

import frappe
import live_site as live
import pytest
from frappe.utils.background_jobs import get_queue
from rq import Worker
from rq.job import Job, JobStatus

RUN = "iqchannels.flows.distribution.run"


pytestmark = pytest.mark.usefixtures("connected")


def queued(method: str, **kwargs) -> str:
	return frappe.enqueue(method, queue="short", **kwargs).id


def finished(job_ids: list[str]) -> list:
	jobs = Job.fetch_many(job_ids, connection=get_queue("short").connection)
	return [job for job in jobs if job and job.get_status(refresh=False) == JobStatus.FINISHED]


def jobs_run_by(process) -> int:
	worker = next(w for w in Worker.all(queue=get_queue("short")) if w.pid == process.pid)
	return worker.successful_job_count


def floor_without_waiting_jobs(workers, operators: int, slots: int):
	"""A line, once a worker has run the desk's jobs for its new users and every job left before; then
	no worker runs."""
	floor = live.setup_floor(operators=operators, slots=slots)
	workers.start()
	live.settle()
	workers.stop()
	return floor


def test_a_burst_of_distribution_runs_is_one_job_of_the_worker(workers):
	line, channel, secret, _users = floor_without_waiting_jobs(workers, operators=2, slots=10)
	for n in range(6):
		answer = live.client_message(channel, secret, f"relay-{frappe.generate_hash(length=6)}-{n}")
		assert answer.status_code == 201, answer.text
	# As a flood's triggers would, had each found the line's run already started.
	ids = [queued(RUN, line=line) for _ in range(6)]
	worker = workers.start()

	assert live.wait_until(lambda: len(finished(ids)) == len(ids), 60), "not every run finished"
	assert live.wait_until(lambda: all(c.status == "Open" for c in live.conversations(line)), 10)
	assert len(live.conversations(line)) == 6
	live.settle()
	# The first run ran the others in its own process: RQ recorded each as finished, the worker ran fewer.
	assert jobs_run_by(worker) < len(ids)


def test_another_kind_of_job_is_not_held_back_by_the_relay(workers):
	line, _channel, _secret, _users = floor_without_waiting_jobs(workers, operators=1, slots=1)
	first, other, last = queued(RUN, line=line), queued("frappe.ping"), queued(RUN, line=line)
	workers.start()

	assert live.wait_until(lambda: len(finished([first, other, last])) == 3, 60), "not every job finished"
	jobs = {job.id: job for job in finished([first, other, last])}
	# The ping, queued between the two runs, started before the second: the first run's relay stopped at it.
	assert jobs[other].started_at <= jobs[last].started_at
