"""The reports on a floor whose answers were worked out by hand, and who may read whose numbers.

Two days, one line with a 5-minute first-response target, operators Ann and Boris:

	day 1  c1 Ann    opened 10:00, assigned 10:01, answered 10:03, closed 10:20 Resolved, rated 5
	       c2 Ann    opened 10:10, assigned 10:20, answered 10:22, closed 10:40 Resolved, rated 3
	       c3 Boris  opened 11:00, assigned 11:00, answered 11:10, closed 11:30 Not resolved
	       c4 nobody opened 12:00, closed 12:30 without an answer (Client silent)
	day 2  c5 Ann    opened 09:00, assigned 09:02, answered 09:04, still open

Ann's statuses on day 1: Active at 09:00, Break at 12:00, Active at 12:30, Offline at 18:00.
"""

from datetime import datetime, timedelta

import frappe

from iqchannels.api import supervisor
from iqchannels.iqchannels.report.iqc_conversations_summary import iqc_conversations_summary
from iqchannels.iqchannels.report.iqc_operator_performance import iqc_operator_performance
from iqchannels.iqchannels.report.iqc_operator_status_time import iqc_operator_status_time
from iqchannels.iqchannels.report.iqc_queue_and_waiting import iqc_queue_and_waiting
from iqchannels.iqchannels.report.iqc_sla import iqc_sla
from iqchannels.tests.factories import (
	IQCTestCase,
	make_channel,
	make_line,
	make_operator,
	make_supervisor,
	unique,
)
from iqchannels.views import monitor

DAY = datetime(2026, 11, 10)
MIN = 60


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
	return DAY + timedelta(days=day, hours=hour, minutes=minute)


class TestReports(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator(first_name="Ann")
		self.boris = make_operator(first_name="Boris")
		self.line = make_line([self.ann, self.boris])
		frappe.db.set_value("IQC Line", self.line, "first_response_target_minutes", 5)
		self.channel = make_channel(self.line).name
		self.client = frappe.get_doc({"doctype": "IQC Client", "full_name": "Report Client"}).insert().name
		self.c1 = self.conversation(self.ann, at(10), at(10, 1), at(10, 3), at(10, 20), "Resolved", 5)
		self.c2 = self.conversation(self.ann, at(10, 10), at(10, 20), at(10, 22), at(10, 40), "Resolved", 3)
		self.c3 = self.conversation(self.boris, at(11), at(11), at(11, 10), at(11, 30), "Not resolved")
		self.c4 = self.conversation(None, at(12), None, None, at(12, 30), "Client silent")
		self.c5 = self.conversation(self.ann, at(9, day=1), at(9, 2, day=1), at(9, 4, day=1), None, None)
		for when, old, new in [
			(at(9), "Offline", "Active"),
			(at(12), "Active", "Break"),
			(at(12, 30), "Break", "Active"),
			(at(18), "Active", "Offline"),
		]:
			frappe.get_doc(
				{
					"doctype": "IQC Operator Status Log",
					"operator": self.ann,
					"from_status": old,
					"to_status": new,
					"changed_at": when,
				}
			).insert(ignore_permissions=True)
		self.period = {"from_date": "2026-11-10", "to_date": "2026-11-11", "line": self.line}

	def conversation(self, operator, opened, assigned, answered, closed, result, rating=None):
		return (
			frappe.get_doc(
				{
					"doctype": "IQC Conversation",
					"client": self.client,
					"channel": self.channel,
					"line": self.line,
					"operator": operator,
					"status": "Closed" if closed else ("Open" if operator else "Queued"),
					"opened_at": opened,
					"queued_at": opened,
					"assigned_at": assigned,
					"first_response_at": answered,
					"closed_at": closed,
					"result": result,
					"csat_rating": rating,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	def test_conversations_per_day(self):
		_columns, rows, _message, chart, summary = iqc_conversations_summary.execute(self.period)
		first, second = rows
		self.assertEqual(
			(str(first.day), first.opened, first.closed, first.answered, first.unanswered),
			("2026-11-10", 4, 4, 3, 1),
		)
		self.assertEqual(first.wait, (1 * MIN + 10 * MIN + 0) / 3)
		self.assertEqual(first.first_response, (3 * MIN + 12 * MIN + 10 * MIN) / 3)
		self.assertEqual(first.handling, (19 * MIN + 20 * MIN + 30 * MIN) / 3)
		self.assertEqual(first.csat, 4)
		self.assertEqual((second.opened, second.closed, second.wait), (1, 0, 2 * MIN))
		self.assertEqual(chart["data"]["datasets"][0]["values"], [4, 1])
		self.assertEqual([item["value"] for item in summary], [5, 4, 1])

	def test_operator_performance(self):
		_columns, rows, _message, chart = iqc_operator_performance.execute(self.period)
		by_operator = {row.operator: row for row in rows}
		ann, boris = by_operator[self.ann], by_operator[self.boris]
		self.assertEqual((ann.conversations, ann.handled), (3, 2))
		self.assertEqual(ann.first_response, (3 * MIN + 12 * MIN + 4 * MIN) / 3)
		self.assertEqual(ann.first_response_p90, 12 * MIN)
		self.assertEqual(ann.handling, (19 * MIN + 20 * MIN) / 2)
		self.assertEqual((ann.csat, ann.rated, ann.results), (4, 2, "Resolved 2"))
		self.assertEqual((boris.handled, boris.first_response_p90, boris.csat), (1, 10 * MIN, None))
		self.assertEqual(boris.results, "Not resolved 1")
		self.assertEqual(chart["data"]["datasets"][0]["values"], [2, 1])

	def test_queue_and_waiting(self):
		_columns, rows, _message, chart, summary = iqc_queue_and_waiting.execute(self.period)
		self.assertEqual(
			[(row["wait"], row["conversations"]) for row in rows],
			[
				("under 1 min", 1),
				("1 to 5 min", 2),
				("5 to 15 min", 1),
				("15 to 60 min", 0),
				("over 1 hour", 0),
			],
		)
		values = {item["label"]: item["value"] for item in summary}
		self.assertEqual(values["Closed without an operator's answer"], 1)
		self.assertEqual(values["Longest wait"], 10 * MIN)
		self.assertEqual(values["Conversations"], 5)

	def test_sla(self):
		_columns, rows, _message, _chart = iqc_sla.execute(self.period)
		[row] = rows
		# met: c1 (3 min), c5 (4 min); breached: c2 (12), c3 (10), c4 (never answered)
		self.assertEqual(
			(row["target"], row["conversations"], row["met"], row["breached"], row["share_met"]),
			(5 * MIN, 5, 2, 3, 40.0),
		)

	def test_time_in_status(self):
		_columns, rows, _message, _chart = iqc_operator_status_time.execute(
			{"from_date": "2026-11-10", "to_date": "2026-11-10", "operator": self.ann}
		)
		[day] = rows
		self.assertEqual(
			(day["active"], day["break"], day["away"], day["offline"]),
			(8.5 * 3600, 0.5 * 3600, 0, 15 * 3600),
		)

	def test_an_operator_reads_their_own_statistics_only(self):
		frappe.set_user(self.boris)
		_columns, rows, *_ = iqc_operator_performance.execute(
			{"from_date": "2026-11-10", "to_date": "2026-11-11"}
		)
		self.assertEqual([row.operator for row in rows], [self.boris])
		_columns, rows, *_ = iqc_conversations_summary.execute(
			{"from_date": "2026-11-10", "to_date": "2026-11-11"}
		)
		self.assertEqual([row.opened for row in rows], [1], "only Boris's own conversation")
		error = self.assertRefused(
			403, iqc_operator_performance.execute, {"from_date": "2026-11-10", "operator": self.ann}
		)
		self.assertIn("own statistics", str(error))
		self.assertRefused(
			403, iqc_operator_status_time.execute, {"from_date": "2026-11-10", "operator": self.ann}
		)
		frappe.set_user(make_supervisor())
		_columns, rows, *_ = iqc_operator_performance.execute(self.period)
		self.assertEqual({row.operator for row in rows}, {self.ann, self.boris})

	def test_a_period_that_ends_before_it_starts_is_refused(self):
		self.assertRefused(400, iqc_sla.execute, {"from_date": "2026-11-11", "to_date": "2026-11-10"})
		self.assertRefused(400, iqc_sla.execute, {"from_date": "0000-00-00"})  # MySQL's zero date


class TestMonitor(IQCTestCase):
	def test_the_floor_shows_load_queues_timers_and_breaches(self):
		ann = make_operator(status="Active", slots=4, first_name="Ann")
		line = make_line([ann])
		frappe.db.set_value("IQC Line", line, "first_response_target_minutes", 5)
		channel = make_channel(line).name
		client = frappe.get_doc({"doctype": "IQC Client", "full_name": "Floor Client"}).insert().name
		now = frappe.utils.now_datetime()
		common = {"doctype": "IQC Conversation", "client": client, "channel": channel, "line": line}
		waiting = frappe.get_doc(
			{
				**common,
				"status": "Queued",
				"opened_at": now - timedelta(minutes=7),
				"queued_at": now - timedelta(minutes=7),
			}
		).insert()
		held = frappe.get_doc(
			{
				**common,
				"status": "Open",
				"operator": ann,
				"opened_at": now - timedelta(minutes=3),
				"assigned_at": now - timedelta(minutes=2),
				"last_client_message_at": now - timedelta(minutes=1),
			}
		).insert()
		floor = monitor.floor()
		operator = next(o for o in floor["operators"] if o.name == ann)
		self.assertEqual((operator.status, operator.load, operator.slots), ("Active", 1, 4))
		self.assertEqual(operator.conversations, [held.name])
		row = next(r for r in floor["lines"] if r.name == line)
		self.assertEqual((row.queue, row.active, row.members, row.breached), (1, 1, 1, 1))
		self.assertAlmostEqual(row.longest_wait, 7 * MIN, delta=5)
		by_name = {c.name: c for c in floor["conversations"]}
		self.assertTrue(by_name[waiting.name].sla_breached, "7 minutes without an answer, target 5")
		self.assertFalse(by_name[held.name].sla_breached)
		self.assertAlmostEqual(by_name[held.name].handling, 2 * MIN, delta=5)
		self.assertAlmostEqual(by_name[held.name].awaiting_answer, 1 * MIN, delta=5)

	def test_the_floor_counts_and_lists_overdue_tickets(self):
		before = monitor.floor()["overdue_tickets"]["count"]
		ann = make_operator(first_name="Ann")
		line = make_line([ann])
		hour = frappe.get_doc(
			{"doctype": "IQC Ticket Type", "type_name": unique("Type"), "resolution_hours": 1}
		).insert(ignore_permissions=True)
		client = frappe.get_doc({"doctype": "IQC Client", "full_name": "Ticket Client"}).insert().name
		now = frappe.utils.now_datetime()

		def ticket(opened, status="Open", assignee=None, resolved=None):
			doc = frappe.get_doc(
				{
					"doctype": "IQC Ticket",
					"subject": f"Opened {opened}",
					"status": status,
					"priority": "Medium",
					"ticket_type": hour.name,
					"client": client,
					"line": line,
					"assignee": assignee,
					"opened_at": opened,
					"resolved_at": resolved,
				}
			)
			doc.flags.by_rules = True
			return doc.insert(ignore_permissions=True)

		# Due long ago, so that they come first of whatever else the site has overdue.
		late = ticket(datetime(2000, 1, 1, 10), "In Progress", assignee=ann)
		unassigned = ticket(datetime(2000, 1, 2, 10), "Waiting for Client")
		ticket(now - timedelta(minutes=30))  # due in half an hour
		ticket(datetime(2000, 1, 1, 9), "Resolved", resolved=datetime(2000, 1, 3))  # late, but done
		overdue = monitor.floor()["overdue_tickets"]
		self.assertEqual(overdue["count"], before + 2)
		first, second = overdue["tickets"][:2]
		self.assertEqual((first.name, first.assignee_name, first.subject), (late.name, "Ann", late.subject))
		self.assertEqual(first.due_by, datetime(2000, 1, 1, 11))
		self.assertAlmostEqual(first.overdue_for, (now - datetime(2000, 1, 1, 11)).total_seconds(), delta=5)
		self.assertEqual(
			(second.name, second.assignee, second.status), (unassigned.name, None, "Waiting for Client")
		)
		self.assertLessEqual(len(overdue["tickets"]), monitor.OVERDUE_LISTED)

	def test_only_supervisors_see_the_floor_and_a_status_change_needs_a_reason(self):
		ann = make_operator(status="Active", first_name="Ann")
		frappe.set_user(ann)
		self.assertRefused(403, supervisor.monitor)
		frappe.set_user(make_supervisor())
		self.assertIn("operators", supervisor.monitor())
		self.assertRefused(400, supervisor.set_operator_status, ann, "Break", "  ")
		self.assertRefused(400, supervisor.set_operator_status, ann, "Lunch", "Team meeting")
		supervisor.set_operator_status(ann, "Break", "Team meeting")
		log = frappe.get_last_doc("IQC Operator Status Log", filters={"operator": ann})
		self.assertEqual(
			(log.to_status, log.reason, log.changed_by), ("Break", "Team meeting", frappe.session.user)
		)
