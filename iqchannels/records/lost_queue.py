"""A queue Redis that lost its data, noticed by the first enqueue after it (layer: records and
infrastructure).

A Redis restarted without its data (or flushed) drops every job that waited in it. The distribution
needs nothing more: its marks went too and its triggers go on. A delivery whose job went with it is
made by `channels.registry.retry_due`, a minute job, which may be a minute away. So the queue's Redis
holds a key of the site's, set once: the first enqueue that does not find it knows that what waited is
lost, sets it again and enqueues retry_due at once. It costs each enqueue one `SET NX`.

retry_due lives higher up; it is named here by its dotted path, the one way this layer starts it.
"""

import frappe
from frappe.utils.background_jobs import get_redis_conn

RECOVERY_JOB = "iqchannels.channels.registry.retry_due"
KEPT_KEY = "iqchannels:queue-kept:"


def notice_lost_queue() -> bool:
	"""Call before enqueuing: True when the queue's Redis had lost its data and retry_due was asked
	for. A Redis that cannot be reached raises, as the enqueue would."""
	if not get_redis_conn().set(KEPT_KEY + frappe.local.site, 1, nx=True):
		return False
	frappe.logger("iqchannels").warning("the queue's Redis lost its jobs: deliveries are looked at now")
	frappe.enqueue(RECOVERY_JOB, queue="short", job_id="iqc-retry-due", deduplicate=True)
	return True
