"""The calls' reports on calls whose figures were worked out by hand, and who may read whose calls.

Lines North and South, operators Ann, Boris and Carl (Carl takes calls only: no conversation of his).

	day 1 North k1 in   Ann    10:00:00, answered 10:00:30, ended 10:05:30  (wait 30, talk 300; stored)
	            k2 in   Boris  11:00:00, answered 11:01:30, ended 11:03:30  (wait 90, talk 120; not stored)
	            k3 in   nobody 12:00:00, missed, ended 12:00:45             (wait 45)
	            k4 out  Ann    13:00:00, answered 13:00:20, ended 13:10:20  (talk 600)
	            k5 out  Ann    14:00:00, not answered, ended 14:00:30       (an outbound miss is no missed call)
	      South k6 in   nobody 15:00:00, busy, ended 15:00:10               (wait 10)
	            k9 in   Carl   16:00:00, answered 16:00:05, ended 16:02:05  (wait 5, talk 120)
	day 2 North k7 in   Ann    09:00:00, answered 09:00:10, ended 09:01:10  (wait 10, talk 60)
	            k8 in   nobody 10:00:00, still ringing                      (no wait yet)

Callback requests on line East, day 3:
	r1 opened 12:01, first call back 12:10, closed 12:30 reached (Called back), 1 attempt
	r2 opened 12:05, first call back 12:20 (another at 13:00), closed 14:00 Not reached, 3 attempts
	r3 opened 13:00, still waiting, no call yet
"""

from datetime import datetime, timedelta

import frappe

from iqchannels.iqchannels.report.iqc_callback_requests import iqc_callback_requests
from iqchannels.iqchannels.report.iqc_calls import iqc_calls
from iqchannels.iqchannels.report.iqc_operator_performance import iqc_operator_performance
from iqchannels.iqchannels.report.iqc_operator_status_time import iqc_operator_status_time
from iqchannels.records.callbacks import CALLED_BACK, NOT_REACHED
from iqchannels.tests.factories import IQCTestCase, make_channel, make_line, make_operator, make_supervisor

DAY = datetime(2026, 11, 10)
PERIOD = {"from_date": "2026-11-10", "to_date": "2026-11-11"}


def at(hour: int, minute: int = 0, second: int = 0, day: int = 0) -> datetime:
	return DAY + timedelta(days=day, hours=hour, minutes=minute, seconds=second)


class TestCallReports(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.ann = make_operator(first_name="Ann")
		self.boris = make_operator(first_name="Boris")
		self.carl = make_operator(first_name="Carl")
		self.north = make_line([self.ann, self.boris])
		self.south = make_line([self.carl])
		self.east = make_line([self.ann])
		self.channel = make_channel(self.north, channel_type="Phone").name
		self.client = frappe.get_doc({"doctype": "IQC Client", "full_name": "Caller"}).insert().name
		self.call("Inbound", "Answered", self.ann, at(10), at(10, 0, 30), at(10, 5, 30), stored=(30, 300))
		self.call("Inbound", "Answered", self.boris, at(11), at(11, 1, 30), at(11, 3, 30))
		self.call("Inbound", "Missed", None, at(12), None, at(12, 0, 45))
		self.call("Outbound", "Answered", self.ann, at(13), at(13, 0, 20), at(13, 10, 20))
		self.call("Outbound", "Missed", self.ann, at(14), None, at(14, 0, 30))
		self.call("Inbound", "Busy", None, at(15), None, at(15, 0, 10), line=self.south)
		self.call("Inbound", "Answered", self.carl, at(16), at(16, 0, 5), at(16, 2, 5), line=self.south)
		self.call("Inbound", "Answered", self.ann, at(9, day=1), at(9, 0, 10, day=1), at(9, 1, 10, day=1))
		self.call("Inbound", "Ringing", None, at(10, day=1), None, None)

	def call(self, direction, state, operator, started, answered, ended, stored=None, line=None, **extra):
		wait, talk = stored or (None, None)
		return frappe.get_doc(
			{
				"doctype": "IQC Call",
				"direction": direction,
				"state": state,
				"client": self.client,
				"phone": "+74950000000",
				"channel": self.channel,
				"line": line or self.north,
				"operator": operator,
				"pbx_call_id": frappe.generate_hash(length=12),
				"started_at": started,
				"answered_at": answered,
				"ended_at": ended,
				"wait_seconds": wait,
				"talk_seconds": talk,
				**extra,
			}
		).insert(ignore_permissions=True)

	def rows_of_my_lines(self, rows):
		return {(str(row.day), row.line): row for row in rows if row.line in (self.north, self.south)}

	def test_calls_per_day_and_line(self):
		_columns, rows, _message, chart, summary = iqc_calls.execute(PERIOD)
		rows = self.rows_of_my_lines(rows)
		self.assertEqual(
			set(rows), {("2026-11-10", self.north), ("2026-11-10", self.south), ("2026-11-11", self.north)}
		)
		north, south, later = (
			rows["2026-11-10", self.north],
			rows["2026-11-10", self.south],
			rows["2026-11-11", self.north],
		)
		figures = ("inbound", "outbound", "answered", "missed", "wait", "talk")
		self.assertEqual([north[f] for f in figures], [3, 2, 3, 1, (30 + 90 + 45) / 3, (300 + 120 + 600) / 3])
		# (10 + 5) / 2 = 7.5, rounded to whole seconds
		self.assertEqual([south[f] for f in figures], [2, 0, 1, 1, 8, 120])
		self.assertEqual([later[f] for f in figures], [2, 0, 1, 0, 10, 60])
		inbound = next(s for s in summary if s["label"] == "Inbound")
		self.assertGreaterEqual(inbound["value"], 7)
		self.assertEqual(chart["type"], "bar")

	def test_a_line_filter_and_an_operator_reading_their_own_calls(self):
		_columns, rows, *_ = iqc_calls.execute({**PERIOD, "line": self.south})
		self.assertEqual([(str(r.day), r.inbound, r.missed) for r in rows], [("2026-11-10", 2, 1)])
		frappe.set_user(self.boris)
		_columns, rows, *_ = iqc_calls.execute(PERIOD)
		self.assertEqual(
			[(r.line, r.inbound, r.answered, r.wait, r.talk) for r in rows], [(self.north, 1, 1, 90, 120)]
		)
		error = self.assertRefused(403, iqc_calls.execute, {**PERIOD, "operator": self.ann})
		self.assertIn("own statistics", str(error))
		self.assertRefused(400, iqc_calls.execute, {"from_date": "2026-11-11", "to_date": "2026-11-10"})

	def test_calls_in_operator_performance(self):
		_columns, rows, *_ = iqc_operator_performance.execute(PERIOD)
		by_operator = {row.operator: row for row in rows}
		ann, boris, carl = by_operator[self.ann], by_operator[self.boris], by_operator[self.carl]
		figures = ("calls_answered", "calls_made", "talk_time")
		self.assertEqual([ann[f] for f in figures], [2, 2, 300 + 600 + 60])
		self.assertEqual([boris[f] for f in figures], [1, 0, 120])
		self.assertEqual([carl[f] for f in figures], [1, 0, 120])
		self.assertEqual((carl.conversations, carl.operator_name), (0, "Carl"))

	def test_time_on_calls_in_status_time(self):
		for when, old, new in [(at(9), "Offline", "Active"), (at(18), "Active", "Offline")]:
			frappe.get_doc(
				{
					"doctype": "IQC Operator Status Log",
					"operator": self.ann,
					"from_status": old,
					"to_status": new,
					"changed_at": when,
				}
			).insert(ignore_permissions=True)
		period = {"from_date": "2026-11-10", "to_date": "2026-11-10"}
		_columns, rows, *_ = iqc_operator_status_time.execute({**period, "operator": self.ann})
		[day] = rows
		self.assertEqual((day["active"], day["on_calls"]), (9 * 3600, 300 + 600))
		frappe.set_user(make_supervisor())
		_columns, rows, *_ = iqc_operator_status_time.execute(period)
		[carl] = [row for row in rows if row["operator"] == self.carl]
		self.assertEqual((carl["on_calls"], carl["active"], carl["operator_name"]), (120, 0, "Carl"))

	def test_callback_requests(self):
		for result in (CALLED_BACK, NOT_REACHED):
			if not frappe.db.exists("IQC Close Result", result):
				frappe.get_doc({"doctype": "IQC Close Result", "result_name": result}).insert()
		r1 = self.request(at(12, 1, day=2), at(12, 30, day=2), CALLED_BACK, 1)
		r2 = self.request(at(12, 5, day=2), at(14, day=2), NOT_REACHED, 3)
		self.request(at(13, day=2), None, None, 0)
		for request, started in [(r1, at(12, 10, day=2)), (r2, at(12, 20, day=2)), (r2, at(13, day=2))]:
			self.call(
				"Outbound",
				"Answered",
				self.ann,
				started,
				started,
				started,
				line=self.east,
				conversation=request,
			)
		_columns, rows, _message, _chart, summary = iqc_callback_requests.execute(
			{"from_date": "2026-11-12", "to_date": "2026-11-12", "line": self.east}
		)
		[row] = rows
		self.assertEqual(
			(row.requests, row.still_open, row.reached, row.share_reached, row.attempts), (3, 1, 1, 50.0, 4)
		)
		self.assertEqual(row.to_first_call, (9 * 60 + 15 * 60) / 2)
		self.assertEqual(row.to_reached, 29 * 60)
		self.assertEqual([item["value"] for item in summary], [3, 1, 50.0])

	def request(self, opened, closed, result, attempts):
		return (
			frappe.get_doc(
				{
					"doctype": "IQC Conversation",
					"kind": "Callback",
					"client": self.client,
					"channel": self.channel,
					"line": self.east,
					"status": "Closed" if closed else "Queued",
					"opened_at": opened,
					"queued_at": opened,
					"closed_at": closed,
					"result": result,
					"callback_phone": "+74950000000",
					"callback_attempts": attempts,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
