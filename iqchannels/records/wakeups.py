"""Waking a line's distribution (layer: records and infrastructure): every trigger leads to a run that sees it, and a burst costs few runs.

Anything that can make an assignment possible (a new conversation, a close, a transfer, an operator
turning Active, a line saved) calls `request(line)`. Once its transaction commits, the line is marked
in Redis and a run is enqueued, unless a run already waits in the queue: a run that has not started
has not read the queue either, so it will see this commit. A run removes the mark as it starts,
before it reads anything, so a trigger that lands while it works enqueues the next run.

RQ's own deduplication is not used: it also counts a job that has already started, so a trigger
that landed while the line's run was under way was dropped and its conversation waited for the sweep.

A run that is about to write assignments enqueues its successor first (`successor`). If its worker
dies mid-run (the out-of-memory killer, a deploy), the database rolls the run back and the successor,
already in the queue, distributes the line as soon as a worker is back. After a run that assigns
nothing, no successor is needed, so the chain ends.

A run that has committed and finds the next run waiting (its own successor, or a trigger's) takes that
run over (`claim`): it withdraws the job from the queue and distributes the line again at once, in the
same process. A job's start (a fork, Frappe's and this app's imports) costs more than a distribution
of a burst, so a burst is assigned in one job's passes rather than in a chain of jobs.

The run itself lives higher up, in distribution; it is named here by its dotted path, the one way
this layer starts it.
"""

import frappe
import redis
from frappe.utils.background_jobs import create_job_id, get_queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

from iqchannels.records.lost_queue import notice_lost_queue

RUN = "iqchannels.flows.distribution.run"
QUEUE = "short"
# A run enqueued this long ago and still not started may be lost (its worker died between taking it
# and starting it) or stuck behind a long queue: the mark lapses and the next trigger enqueues another.
MARK_SECONDS = 10
MARK_PREFIX = "iqchannels:distribution-waiting:"
REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def request(line: str) -> None:
	"""Ask for the line to be distributed once this transaction commits; asks of one transaction merge."""
	pending = getattr(frappe.local, "iqc_pending_lines", None)
	if pending is None:
		pending = frappe.local.iqc_pending_lines = set()
		frappe.db.after_commit.add(wake_pending)
		frappe.db.after_rollback.add(forget_pending)
	pending.add(line)


def pending_lines() -> set[str]:
	return set(getattr(frappe.local, "iqc_pending_lines", None) or ())


def forget_pending() -> None:
	frappe.local.iqc_pending_lines = None


def wake_pending() -> None:
	lines = getattr(frappe.local, "iqc_pending_lines", None) or ()
	frappe.local.iqc_pending_lines = None
	for line in sorted(lines):
		wake(line)


def wake(line: str) -> bool:
	"""Enqueue a run of the line unless one already waits; True when this call enqueued it.

	The mark holds the waiting job's id, so that a run can withdraw it (`claim`)."""
	mark = mark_key(line)
	job_id = f"iqchannels-distribution-{frappe.generate_hash(length=12)}"
	try:
		if not frappe.cache.set(mark, job_id, nx=True, ex=MARK_SECONDS):
			return False
		notice_lost_queue()
		frappe.enqueue(RUN, queue=QUEUE, line=line, job_id=job_id)
	except REDIS_DOWN:
		return unheard(line)
	except Exception:
		frappe.cache.delete(mark)
		raise
	return True


def unheard(line: str) -> bool:
	"""Redis is gone for a moment (a restart): what asked is committed, so its caller is not failed.
	The line waits for its next trigger or the sweep, which finds every line with a queue; a mark set
	before Redis went away lapses within MARK_SECONDS, and a restarted Redis has none."""
	frappe.logger("iqchannels").warning(f"Redis unreachable: the distribution of {line} waits for the sweep")
	return False


def started(line: str) -> None:
	"""A run begins: from now on a trigger enqueues the next run, since this one may miss it."""
	frappe.cache.delete(mark_key(line))


def successor(line: str) -> None:
	"""Make sure a run follows this one, enqueued now rather than after commit, so that it survives
	the death of this run's worker."""
	wake(line)


def claim(line: str) -> bool:
	"""Called by a run after it committed: True when a run was waiting, which is now this process's
	to do. The waiting job is taken out of the queue unless a worker has already taken it (then it
	runs too, and finds little or nothing left)."""
	job_id = frappe.cache.getdel(mark_key(line))
	if not job_id:
		return False
	withdraw(create_job_id(job_id.decode()))
	return True


def withdraw(job_id: str) -> None:
	queue = get_queue(QUEUE)
	# Removed from the queue's list, no worker can start it any more: its record can go too.
	if queue.remove(job_id):
		try:
			Job.fetch(job_id, connection=queue.connection).delete(remove_from_queue=False)
		except NoSuchJobError:
			pass


def forget_marks() -> None:
	"""After the site's queues were purged (`bench purge-jobs`): the marks of the runs thrown away go
	too, so that the next trigger of each line enqueues a run rather than wait for a mark to lapse.

		bench --site SITE execute iqchannels.records.wakeups.forget_marks"""
	frappe.cache.delete_keys(MARK_PREFIX)


def mark_key(line: str) -> str:
	return frappe.cache.make_key(MARK_PREFIX + line)
