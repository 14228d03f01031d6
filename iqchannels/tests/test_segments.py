"""Segments (projects) through the APIs: the workspace's, the monitor's and the reports' segment filters, and
a supervisor limited to segments who reads nothing of the others."""

import frappe
from frappe.client import delete, insert
from frappe.client import get as frappe_get
from frappe.utils import today

from iqchannels.api import clients as clients_api
from iqchannels.api import lines as lines_api
from iqchannels.api import operator as api
from iqchannels.api import supervisor
from iqchannels.flows import distribution
from iqchannels.flows.tickets import create_ticket
from iqchannels.iqchannels.report.iqc_conversations_summary import iqc_conversations_summary
from iqchannels.iqchannels.report.iqc_operator_status_time import iqc_operator_status_time
from iqchannels.iqchannels.report.iqc_tickets import iqc_tickets
from iqchannels.tests.factories import (
	IQCTestCase,
	client_writes,
	make_channel,
	make_line,
	make_operator,
	make_supervisor,
	unique,
)


def make_segment() -> str:
	return insert({"doctype": "IQC Segment", "segment_name": unique("Segment")})["name"]


class TestSegments(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.retail, self.business = make_segment(), make_segment()
		self.ann = make_operator(first_name="Ann", status="Active")
		self.bob = make_operator(first_name="Bob", status="Active")
		self.retail_line = make_line([self.ann])
		self.business_line = make_line([self.bob])
		frappe.db.set_value("IQC Line", self.retail_line, "segment", self.retail)
		frappe.db.set_value("IQC Line", self.business_line, "segment", self.business)
		frappe.clear_document_cache("IQC Line", self.retail_line)
		frappe.clear_document_cache("IQC Line", self.business_line)
		self.retail_chat = client_writes(
			make_channel(self.retail_line), "r-1", "retail question"
		).conversation
		self.business_chat = client_writes(
			make_channel(self.business_line), "b-1", "b2b question"
		).conversation
		distribution.distribute_line(self.retail_line)
		distribution.distribute_line(self.business_line)
		self.limited = make_supervisor()
		insert({"doctype": "IQC Supervisor Segment", "user": self.limited, "segment": self.retail})
		self.free = make_supervisor()

	def as_user(self, user, fn, *args, **kwargs):
		frappe.set_user(user)
		try:
			return fn(*args, **kwargs)
		finally:
			frappe.set_user("Administrator")

	def test_a_limited_supervisor_reads_only_their_segments_conversations(self):
		self.assertEqual(
			self.as_user(self.limited, api.conversation, self.retail_chat)["conversation"]["name"],
			self.retail_chat,
		)
		self.assertRefused(403, self.as_user, self.limited, api.conversation, self.business_chat)
		self.assertRefused(403, self.as_user, self.limited, api.messages, self.business_chat)
		everything = [row.name for row in self.as_user(self.limited, api.inbox, view="all", page_length=200)]
		self.assertIn(self.retail_chat, everything)
		self.assertNotIn(self.business_chat, everything)
		messages = self.as_user(
			self.limited, frappe.get_list, "IQC Message", fields=["conversation"], limit_page_length=0
		)
		self.assertEqual({int(m.conversation) for m in messages}, {self.retail_chat})
		# Nor do they act on the other segment's conversations.
		self.assertRefused(403, self.as_user, self.limited, supervisor.assign, self.business_chat, self.ann)
		self.assertRefused(403, self.as_user, self.limited, supervisor.requeue, self.business_chat)
		self.assertRefused(403, self.as_user, self.limited, api.inbox, view="all", segment=self.business)
		# A supervisor not limited sees both; the limit itself is not theirs to lift.
		free = [row.name for row in self.as_user(self.free, api.inbox, view="all", page_length=200)]
		self.assertTrue({self.retail_chat, self.business_chat} <= set(free))
		limit = frappe.db.get_value("IQC Supervisor Segment", {"user": self.limited}, "name")
		self.assertRefused(403, self.as_user, self.limited, delete, "IQC Supervisor Segment", limit)
		self.assertRefused(
			409,
			insert,
			{"doctype": "IQC Supervisor Segment", "user": self.limited, "segment": self.retail},
		)

	def test_a_limited_supervisor_finds_only_their_segments_clients_to_merge(self):
		clients = [
			frappe.db.get_value("IQC Conversation", c, "client")
			for c in (self.retail_chat, self.business_chat)
		]
		for client in clients:
			frappe.db.set_value("IQC Client", client, "full_name", "Olena Kovalenko")

		def found(user):
			return {str(c.name) for c in self.as_user(user, clients_api.find_clients, "Kovalenko")}

		self.assertEqual(found(self.limited), {clients[0]})
		self.assertEqual(found(self.free), set(clients))
		self.assertEqual(found(self.bob), {clients[1]})

	def test_the_workspace_filters_by_segment_and_shows_it(self):
		both = make_line([self.ann])
		frappe.db.set_value("IQC Line", both, "segment", self.business)
		chat = client_writes(make_channel(both), "b-2", "second b2b").conversation
		filtered = [row.name for row in self.as_user(self.free, api.inbox, view="all", segment=self.business)]
		self.assertEqual(sorted(filtered), sorted([self.business_chat, chat]))
		# Ann's queue holds the business line's conversation, the retail filter leaves nothing.
		queue = self.as_user(self.ann, api.inbox, view="queue", segment=self.business)
		self.assertEqual([row.name for row in queue], [chat])
		self.assertEqual(self.as_user(self.ann, api.inbox, view="queue", segment=self.retail), [])
		self.assertRefused(400, self.as_user, self.ann, api.inbox, view="queue", segment="No such segment")
		self.assertEqual(self.as_user(self.ann, lines_api.levels, self.retail_chat)["segment"], self.retail)
		offered = self.as_user(self.limited, lines_api.segments)
		self.assertEqual([s["name"] for s in offered], [self.retail])
		self.assertEqual(offered[0]["lines"], [self.retail_line])

	def test_the_monitor_shows_a_segment(self):
		floor = self.as_user(self.limited, supervisor.monitor)
		self.assertEqual(
			[line.name for line in floor["lines"] if line.name in self.lines()], [self.retail_line]
		)
		self.assertEqual([c.name for c in floor["conversations"]], [self.retail_chat])
		self.assertIn(self.ann, [op.name for op in floor["operators"]])
		self.assertNotIn(self.bob, [op.name for op in floor["operators"]])
		self.assertEqual(floor["segments"], [self.retail])
		self.assertRefused(403, self.as_user, self.limited, supervisor.monitor, self.business)

		floor = self.as_user(self.free, supervisor.monitor, self.business)
		self.assertEqual([c.name for c in floor["conversations"]], [self.business_chat])
		self.assertEqual([line.name for line in floor["lines"]], [self.business_line])
		self.assertRefused(400, self.as_user, self.free, supervisor.monitor, "No such segment")

	def lines(self):
		return (self.retail_line, self.business_line)

	def test_every_report_filters_by_segment(self):
		period = {"from_date": today(), "to_date": today()}
		opened = lambda rows: sum(row["opened"] for row in rows)  # noqa: E731

		def summary(user, **filters):
			return self.as_user(user, iqc_conversations_summary.execute, {**period, **filters})[1]

		everyone = opened(summary(self.free))
		self.assertEqual(opened(summary(self.free, segment=self.business)), 1)
		self.assertEqual(opened(summary(self.free, segment=self.retail)), 1)
		self.assertEqual(opened(summary(self.limited)), 1)
		self.assertGreaterEqual(everyone, 2)
		self.assertRefused(403, summary, self.limited, segment=self.business)

		# Both were at work today; within the retail segment only Ann counts.
		self.as_user(self.ann, api.set_status, "Away")
		self.as_user(self.bob, api.set_status, "Away")
		everyone_at_work = self.as_user(self.free, iqc_operator_status_time.execute, period)[1]
		self.assertTrue({self.ann, self.bob} <= {row["operator"] for row in everyone_at_work})
		status_rows = self.as_user(
			self.free, iqc_operator_status_time.execute, {**period, "segment": self.retail}
		)[1]
		self.assertEqual({row["operator"] for row in status_rows}, {self.ann})

		create_ticket(
			self.bob, "B2B contract", conversation=frappe.get_doc("IQC Conversation", self.business_chat)
		)
		create_ticket(
			self.ann, "Retail refund", conversation=frappe.get_doc("IQC Conversation", self.retail_chat)
		)

		def tickets(user, **filters):
			return self.as_user(user, iqc_tickets.execute, {**period, "group_by": "Line", **filters})[1]

		self.assertEqual(
			[row["group"] for row in tickets(self.free, segment=self.business)[:-1]], [self.business_line]
		)
		self.assertEqual([row["group"] for row in tickets(self.limited)[:-1]], [self.retail_line])
		# The desk's own read of another segment's ticket is refused (Frappe's 403, its message in the log).
		with self.assertRaises(frappe.PermissionError):
			self.as_user(self.limited, frappe_get, "IQC Ticket", self.ticket_of(self.business_chat))
		frappe.clear_messages()
		retail_ticket = self.as_user(self.limited, frappe_get, "IQC Ticket", self.ticket_of(self.retail_chat))
		self.assertEqual(retail_ticket["line"], self.retail_line)

	def ticket_of(self, conversation) -> str:
		return frappe.db.get_value("IQC Ticket", {"conversation": str(conversation)}, "name")
