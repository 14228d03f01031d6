"""The tickets report on tickets whose answers were worked out by hand, and who may read which tickets.

Two days (D = 10 March 2026, D+1), lines L1 (Ann) and L2 (Boris), types T10 (10 hours to resolve a
Medium ticket) and T4 (4 hours); due = opened + hours × priority share (Urgent 0.25, Low 2):

	t1 L1 T10 Ann    opened D 09:00    Resolved D 11:00 (2 h)          due D 19:00
	t2 L1 T10 Ann    opened D 10:00    Closed, resolved D+1 06:00 (20 h) due D 20:00: overdue
	t3 L1 T4  Boris  opened D 12:00    In Progress                     due D 16:00: overdue
	t4 L2 T4  Boris  opened D 13:00    Resolved D 14:30 (1.5 h)        due D 17:00
	t5 L2 T10 nobody opened D+1 08:00  Open, Urgent                    due D+1 10:30: overdue
	t6 L1 T10 Ann    opened D+1 09:00  Closed without a resolution     due D+1 19:00
	t8 L1 T4  Ann    opened D+1 10:00  Resolved D+1 13:20 (3 h 20 min) due D+1 14:00
	t9 L1 T10 Ann    opened D 15:00    Postponed, Low                  due D+1 11:00: overdue
	t0 L1 T10 Ann    opened D-1 09:00  Open: before the period, never counted
"""

from datetime import datetime, timedelta

import frappe

from iqchannels import install
from iqchannels.iqchannels.report.iqc_tickets import iqc_tickets
from iqchannels.tests.factories import IQCTestCase, make_line, make_operator, make_user, unique
from iqchannels.views.ticket_reports import TicketScope, overdue_tickets, tickets_by_group

D = datetime(2026, 3, 10)


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
	return D + timedelta(days=day, hours=hour, minutes=minute)


class TestTicketsReport(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.overdue_before = overdue_tickets()["value"]
		self.ann = make_operator(first_name="Ann")
		self.boris = make_operator(first_name="Boris")
		self.l1 = make_line([self.ann])
		self.l2 = make_line([self.boris])
		self.t10 = self.ticket_type(10)
		self.t4 = self.ticket_type(4)
		self.client = frappe.get_doc({"doctype": "IQC Client", "full_name": "Ticket Client"}).insert().name
		self.ticket(self.l1, self.t10, self.ann, at(9), "Resolved", resolved=at(11))
		self.ticket(self.l1, self.t10, self.ann, at(10), "Closed", resolved=at(6, day=1), closed=at(7, day=1))
		self.ticket(self.l1, self.t4, self.boris, at(12), "In Progress")
		self.ticket(self.l2, self.t4, self.boris, at(13), "Resolved", resolved=at(14, 30))
		self.ticket(self.l2, self.t10, None, at(8, day=1), "Open", priority="Urgent")
		self.ticket(self.l1, self.t10, self.ann, at(9, day=1), "Closed", closed=at(12, day=1))
		self.ticket(self.l1, self.t4, self.ann, at(10, day=1), "Resolved", resolved=at(13, 20, day=1))
		self.ticket(self.l1, self.t10, self.ann, at(15), "Postponed", priority="Low")
		self.ticket(self.l1, self.t10, self.ann, at(9, day=-1), "Open")
		self.period = {"from_date": "2026-03-10", "to_date": "2026-03-11"}

	def ticket_type(self, hours: float) -> str:
		return (
			frappe.get_doc(
				{"doctype": "IQC Ticket Type", "type_name": unique("Type"), "resolution_hours": hours}
			)
			.insert(ignore_permissions=True)
			.name
		)

	def ticket(
		self, line, ticket_type, assignee, opened, status, priority="Medium", resolved=None, closed=None
	):
		ticket = frappe.get_doc(
			{
				"doctype": "IQC Ticket",
				"subject": f"Ticket opened {opened}",
				"status": status,
				"priority": priority,
				"ticket_type": ticket_type,
				"client": self.client,
				"line": line,
				"assignee": assignee,
				"opened_at": opened,
				"resolved_at": resolved,
				"closed_at": closed,
			}
		)
		ticket.flags.by_rules = True
		return ticket.insert(ignore_permissions=True)

	def groups(self, group_by: str, **filters) -> dict:
		result = tickets_by_group(TicketScope.of({**self.period, **filters}), group_by)
		return {row.group: row for row in result["groups"]} | {"total": result["total"]}

	def figures(self, row) -> tuple:
		return (row.opened, row.resolved, row.still_open, row.overdue, row.average_hours, row.p90_hours)

	def test_due_dates_follow_the_type_and_the_priority(self):
		self.assertEqual(
			frappe.db.get_value("IQC Ticket", {"line": self.l2, "priority": "Urgent"}, "due_by"),
			at(10, 30, day=1),
		)

	def test_by_type(self):
		groups = self.groups("Type")
		self.assertEqual(set(groups), {self.t10, self.t4, "total"})
		# T10: t1 t2 t5 t6 t9; resolved in 2 h and 20 h; t2 late, t5 and t9 past due.
		self.assertEqual(self.figures(groups[self.t10]), (5, 2, 2, 3, 11.0, 20.0))
		# T4: t3 t4 t8; resolved in 1.5 h and 3.33 h; t3 past due.
		self.assertEqual(self.figures(groups[self.t4]), (3, 2, 1, 1, 2.4, 3.3))
		# All: 2, 20, 1.5, 3.33 hours: average 6.71, 90th percentile the 4th of 4.
		self.assertEqual(self.figures(groups["total"]), (8, 4, 3, 4, 6.7, 20.0))

	def test_by_line_and_by_assignee(self):
		lines = self.groups("Line")
		self.assertEqual(self.figures(lines[self.l1]), (6, 3, 2, 3, 8.4, 20.0))
		self.assertEqual(self.figures(lines[self.l2]), (2, 1, 1, 1, 1.5, 1.5))
		people = self.groups("Assignee")
		self.assertEqual(set(people), {self.ann, self.boris, None, "total"})
		self.assertEqual(self.figures(people[self.ann]), (5, 3, 1, 2, 8.4, 20.0))
		self.assertEqual(self.figures(people[self.boris]), (2, 1, 1, 1, 1.5, 1.5))
		self.assertEqual(self.figures(people[None]), (1, 0, 1, 1, None, None))
		self.assertEqual(people[None].label, "Unassigned")
		self.assertEqual(people[self.ann].label, "Ann")

	def test_filters(self):
		self.assertEqual(self.groups("Line", ticket_type=self.t4)["total"].opened, 3)
		self.assertEqual(self.groups("Type", assignee=self.ann)["total"].opened, 5)
		only_d1 = tickets_by_group(TicketScope.of({"from_date": "2026-03-11", "to_date": "2026-03-11"}))
		self.assertEqual(only_d1["total"].opened, 3)  # t5 t6 t8
		self.assertRefused(400, TicketScope.of, {"from_date": "2026-03-11", "to_date": "2026-03-10"})
		self.assertRefused(400, tickets_by_group, TicketScope.of(self.period), "Priority")

	def test_the_report_adds_a_total_row_a_chart_and_a_summary(self):
		columns, data, _message, chart, summary = iqc_tickets.execute({**self.period, "group_by": "Type"})
		self.assertEqual(
			[c["fieldname"] for c in columns],
			["label", "opened", "resolved", "still_open", "overdue", "average_hours", "p90_hours"],
		)
		self.assertEqual([row.label for row in data], [self.t10, self.t4, "Total"])
		self.assertTrue(data[-1].is_total)
		self.assertEqual(chart["type"], "bar")
		self.assertEqual(chart["data"]["labels"], [self.t10, self.t4])
		self.assertEqual([d["values"] for d in chart["data"]["datasets"]], [[5, 3], [2, 2]])
		self.assertEqual([s["value"] for s in summary], [8, 4, 3, 4, 6.7, 20.0])

	def test_an_operator_reads_the_tickets_of_their_lines_and_their_own(self):
		frappe.set_user(self.boris)
		# Boris: L2's t4 and t5, and t3 assigned to him on L1.
		self.assertEqual(self.groups("Line")["total"].opened, 3)
		self.assertEqual(self.groups("Line", line=self.l1)["total"].opened, 1)
		frappe.set_user(self.ann)
		self.assertEqual(self.groups("Line")["total"].opened, 6)
		frappe.set_user(make_operator(first_name="Dan"))
		self.assertEqual(self.groups("Line")["total"].opened, 0)
		frappe.set_user(make_user(role=None))
		self.assertRefused(403, TicketScope.of, self.period)

	def test_the_overdue_card_counts_active_tickets_past_their_due_time(self):
		card = overdue_tickets()
		# t3, t5 and t9 (t0 too: still open, due D-1 19:00); a late resolution is no longer overdue.
		self.assertEqual(card["value"], self.overdue_before + 4)
		self.assertEqual(card["route"], ["List", "IQC Ticket"])


class TestTicketSetup(IQCTestCase):
	def test_migrate_leaves_a_board_of_the_six_statuses(self):
		install.ensure_ticket_board()
		board = frappe.get_doc("Kanban Board", install.TICKET_BOARD)
		self.assertEqual(
			(board.reference_doctype, board.field_name, board.private), ("IQC Ticket", "status", 0)
		)
		statuses = frappe.get_meta("IQC Ticket").get_field("status").options.split("\n")
		self.assertEqual([column.column_name for column in board.columns], statuses)

	def test_a_card_moved_on_the_board_keeps_to_the_rules(self):
		from frappe.desk.doctype.kanban_board.kanban_board import update_order_for_single_card

		install.ensure_ticket_board()
		client = frappe.get_doc({"doctype": "IQC Client", "full_name": "Board Client"}).insert().name
		ticket = frappe.get_doc({"doctype": "IQC Ticket", "subject": "On the board", "client": client})
		ticket.insert(ignore_permissions=True)
		update_order_for_single_card(install.TICKET_BOARD, ticket.name, "Open", "In Progress", 0, 0)
		self.assertEqual(frappe.db.get_value("IQC Ticket", ticket.name, "status"), "In Progress")
		# Postponing needs a date and a reason: not a drag.
		self.assertRefused(
			400,
			update_order_for_single_card,
			install.TICKET_BOARD,
			ticket.name,
			"In Progress",
			"Postponed",
			0,
			0,
		)
		self.assertEqual(frappe.db.get_value("IQC Ticket", ticket.name, "status"), "In Progress")

	def test_default_ticket_types_only_on_a_site_without_types(self):
		frappe.db.delete("IQC Ticket Type")
		install.ensure_ticket_types()
		hours = dict(frappe.get_all("IQC Ticket Type", fields=["name", "resolution_hours"], as_list=True))
		self.assertEqual(hours, {"Question": 24, "Incident": 8, "Request": 72})
		frappe.db.delete("IQC Ticket Type", {"name": "Request"})
		install.ensure_ticket_types()
		self.assertFalse(frappe.db.exists("IQC Ticket Type", "Request"), "a removed type stays removed")
