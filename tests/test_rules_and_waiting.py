from datetime import datetime, time, timedelta

from iqchannels.engine.hours import WorkingPeriod, is_working
from iqchannels.engine.routing import QueuedConversation
from iqchannels.engine.rules import Facts, RoutingRule, choose_line, in_time_window
from iqchannels.engine.waiting import AnswerState, estimated_wait, queue_position, unanswered

MONDAY_NOON = datetime(2026, 11, 23, 12, 0)  # a Monday


def facts(text="hello", **overrides):
	values = dict(
		channel="web", client_type="Anonymous", vip=False, language="ru-RU", text=text, moment=MONDAY_NOON
	)
	values.update(overrides)
	return Facts(**values)


def test_working_hours():
	hours = [WorkingPeriod("Monday", time(9), time(18))]
	assert is_working([], MONDAY_NOON)
	assert is_working(hours, MONDAY_NOON)
	assert not is_working(hours, MONDAY_NOON.replace(hour=18))
	assert not is_working(hours, MONDAY_NOON + timedelta(days=1))


def test_first_matching_rule_wins_and_conditions_combine():
	rules = [
		RoutingRule("vip", "VIP line", vip=True),
		RoutingRule("cards", "Cards", words=("карта", "card")),
		RoutingRule("ua", "Ukrainian", language="uk"),
		RoutingRule("refund", "Refunds", pattern=r"refund|возврат"),
	]
	assert choose_line(rules, facts("Моя КАРТА заблокирована"), "General").line == "Cards"
	assert choose_line(rules, facts("card", vip=True), "General").line == "VIP line"
	assert choose_line(rules, facts("привіт", language="uk-UA"), "General").line == "Ukrainian"
	assert choose_line(rules, facts("Want a REFUND"), "General").line == "Refunds"
	assert choose_line(rules, facts("just hi"), "General").rule is None


def test_a_rule_whose_line_has_nobody_active_falls_through():
	rules = [RoutingRule("night", "Night shift", channel="web"), RoutingRule("any", "Backup")]
	choice = choose_line(rules, facts(), "General", can_take_now=lambda line: line != "Night shift")
	assert (choice.line, choice.rule, choice.skipped) == ("Backup", "any", ("night",))


def test_calls_are_routed_by_the_number_dialled_however_it_is_written():
	rules = [RoutingRule("sales", "Sales", dialled=("74951234567", "88005553535"))]
	assert choose_line(rules, facts("", dialled="+7 (495) 123-45-67"), "General").line == "Sales"
	assert choose_line(rules, facts("", dialled="8 800 555 35 35"), "General").line == "Sales"
	assert choose_line(rules, facts("", dialled="74950000000"), "General").line == "General"
	assert choose_line(rules, facts("74951234567"), "General").line == "General", (
		"a chat has no number dialled"
	)


def test_time_windows_including_across_midnight():
	assert in_time_window(time(22), time(6), time(23, 30))
	assert in_time_window(time(22), time(6), time(5, 59))
	assert not in_time_window(time(22), time(6), time(12))
	assert in_time_window(None, time(13), time(12))


def test_queue_position_and_estimated_wait():
	queue = [QueuedConversation(str(i), 0, MONDAY_NOON + timedelta(minutes=i)) for i in range(5)]
	assert queue_position(queue, "0") == 1 and queue_position(queue, "4") == 5
	assert queue_position(queue, "x") is None
	times = [timedelta(minutes=m) for m in (2, 4, 9)]
	assert estimated_wait(1, free_slots=1, parallel=2, handling_times=times) == timedelta(0)
	assert estimated_wait(3, free_slots=0, parallel=2, handling_times=times) == timedelta(minutes=8)
	assert estimated_wait(2, free_slots=0, parallel=0, handling_times=[]) == timedelta(minutes=10)


def test_unanswered_assignments():
	t = MONDAY_NOON
	states = [
		AnswerState("silent", "Open", t - timedelta(minutes=6), None),
		AnswerState("answered", "Open", t - timedelta(minutes=6), t - timedelta(minutes=5)),
		AnswerState(
			"answered-before-reassignment", "Open", t - timedelta(minutes=6), t - timedelta(minutes=7)
		),
		AnswerState("fresh", "Open", t - timedelta(minutes=1), None),
		AnswerState("queued", "Queued", None, None),
	]
	assert unanswered(states, t, timedelta(minutes=5)) == ["silent", "answered-before-reassignment"]
	assert unanswered(states, t, timedelta(0)) == []
