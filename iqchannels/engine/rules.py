"""Routing rules: which line a new conversation goes to.

Rules are tried in order; the first whose every set condition matches names the line. A rule's line
that must have someone Active (and has nobody) is skipped, so routing falls through to the next rule,
and finally to the channel's default line.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time


@dataclass(frozen=True)
class RoutingRule:
	name: str
	line: str
	channel: str | None = None
	client_type: str | None = None
	vip: bool | None = None
	language: str | None = None
	# Words (any of them, case-insensitive) or a regular expression the first message must contain.
	words: tuple[str, ...] = ()
	pattern: str | None = None
	# The PBX's numbers a call was made to, as digits: a rule with them routes those calls, and no chat.
	dialled: tuple[str, ...] = ()
	time_from: time | None = None
	time_to: time | None = None


@dataclass(frozen=True)
class Facts:
	channel: str
	client_type: str
	vip: bool
	language: str | None
	text: str
	moment: datetime
	# The number a caller dialled (a call's line number at the PBX); None for a chat.
	dialled: str | None = None


@dataclass(frozen=True)
class LineChoice:
	line: str
	rule: str | None
	skipped: tuple[str, ...] = ()


def matches(rule: RoutingRule, facts: Facts) -> bool:
	if rule.channel and rule.channel != facts.channel:
		return False
	if rule.client_type and rule.client_type != facts.client_type:
		return False
	if rule.vip is not None and rule.vip != facts.vip:
		return False
	if rule.language and (facts.language or "").split("-")[0].lower() != rule.language.lower():
		return False
	text = facts.text.casefold()
	if rule.words and not any(word.casefold() in text for word in rule.words):
		return False
	if rule.pattern and not re.search(rule.pattern, facts.text, re.IGNORECASE):
		return False
	if rule.dialled and digits(facts.dialled) not in rule.dialled:
		return False
	return in_time_window(rule.time_from, rule.time_to, facts.moment.time())


def in_time_window(start: time | None, end: time | None, now: time) -> bool:
	if start is None and end is None:
		return True
	start, end = start or time.min, end or time.max
	if start <= end:
		return start <= now < end
	return now >= start or now < end  # a window across midnight, e.g. 22:00-06:00


def choose_line(
	rules: Iterable[RoutingRule],
	facts: Facts,
	default_line: str,
	can_take_now: Callable[[str], bool] = lambda line: True,
) -> LineChoice:
	"""The line for a new conversation and the rule that chose it (None for the default line)."""
	skipped = []
	for rule in rules:
		if not matches(rule, facts):
			continue
		if can_take_now(rule.line):
			return LineChoice(rule.line, rule.name, tuple(skipped))
		skipped.append(rule.name)
	return LineChoice(default_line, None, tuple(skipped))


def digits(number: str | None) -> str:
	"""A phone number as its digits alone: "+7 (495) 123-45-67" and "74951234567" are one number."""
	return re.sub(r"\D", "", number or "")


def valid_pattern(pattern: str) -> bool:
	try:
		re.compile(pattern)
	except re.error:
		return False
	return True
