"""The rules of a ticket: work that outlives a chat (layer: engine, no Frappe).

A ticket moves between six statuses. `act` is the only way from one to another: it takes the ticket's
state, an action and the moment, and returns the next state or refuses with a DomainError that says
why. The shell stores what `act` returns and nothing else, so no sequence of actions can reach a state
these rules forbid (tests/test_ticket_rules.py tries many).
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from iqchannels.engine.model import DomainError


class TicketStatus(StrEnum):
	OPEN = "Open"
	IN_PROGRESS = "In Progress"
	WAITING = "Waiting for Client"
	POSTPONED = "Postponed"
	RESOLVED = "Resolved"
	CLOSED = "Closed"


class Priority(StrEnum):
	LOW = "Low"
	MEDIUM = "Medium"
	HIGH = "High"
	URGENT = "Urgent"


class Action(StrEnum):
	START = "start"  # an operator works on it
	WAIT = "wait"  # asked the client something; the ball is in their court
	CLIENT_WROTE = "client_wrote"
	POSTPONE = "postpone"
	COME_BACK = "come_back"  # the postponement is over
	RESOLVE = "resolve"
	CLOSE = "close"
	REOPEN = "reopen"


# Still to be worked: counted as open in lists, counters and the client's side panel.
ACTIVE = frozenset(
	{TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING, TicketStatus.POSTPONED}
)
DONE = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})

# The share of a type's resolution target a priority allows: an urgent incident is due in a quarter
# of the time a medium one is.
PRIORITY_SHARE = {Priority.URGENT: 0.25, Priority.HIGH: 0.5, Priority.MEDIUM: 1.0, Priority.LOW: 2.0}

SUBJECT_LENGTH = 140


@dataclass(frozen=True)
class TicketState:
	status: TicketStatus
	postponed_until: datetime | None = None
	resolved_at: datetime | None = None
	closed_at: datetime | None = None


def act(
	state: TicketState,
	action: Action,
	now: datetime,
	*,
	until: datetime | None = None,
	reason: str | None = None,
	resolution: str | None = None,
	reopen_window: timedelta = timedelta(days=7),
) -> TicketState:
	"""The state after `action`, or a DomainError. A client's message that changes nothing (the
	ticket is being worked, or was closed long ago) returns the state unchanged."""
	status = TicketStatus(state.status)
	action = Action(action)
	if action == Action.CLIENT_WROTE:
		return client_wrote(state, now, reopen_window)
	if status == TicketStatus.CLOSED and action != Action.REOPEN:
		raise DomainError("conflict", "The ticket is closed: reopen it first.")
	if action == Action.START:
		require(
			status in (TicketStatus.OPEN, TicketStatus.WAITING, TicketStatus.POSTPONED),
			"The ticket is already in progress.",
		)
		return TicketState(TicketStatus.IN_PROGRESS)
	if action == Action.WAIT:
		require(
			status in (TicketStatus.OPEN, TicketStatus.IN_PROGRESS),
			"Only an open ticket can wait for the client.",
		)
		return TicketState(TicketStatus.WAITING)
	if action == Action.POSTPONE:
		require(status in ACTIVE, "Only an open ticket can be postponed.")
		if until is None or until <= now:
			refuse("Postpone until a moment in the future.")
		if not (reason or "").strip():
			refuse("Say why the ticket is postponed.")
		return TicketState(TicketStatus.POSTPONED, postponed_until=until)
	if action == Action.COME_BACK:
		require(status == TicketStatus.POSTPONED, "The ticket is not postponed.")
		if not comes_back(state, now):
			refuse("The ticket is postponed until {until}.", until=str(state.postponed_until))
		return TicketState(TicketStatus.OPEN)
	if action == Action.RESOLVE:
		require(status in ACTIVE, "The ticket is already resolved.")
		if not (resolution or "").strip():
			refuse("Write the resolution before resolving the ticket.")
		return TicketState(TicketStatus.RESOLVED, resolved_at=now)
	if action == Action.CLOSE:
		return replace(state, status=TicketStatus.CLOSED, postponed_until=None, closed_at=now)
	# REOPEN
	require(status in DONE, "Only a resolved or closed ticket can be reopened.")
	return TicketState(TicketStatus.IN_PROGRESS)


def client_wrote(state: TicketState, now: datetime, reopen_window: timedelta) -> TicketState:
	"""The client wrote while the ticket waited for them, or soon after it was resolved: it is worked again."""
	status = TicketStatus(state.status)
	if status == TicketStatus.WAITING:
		return TicketState(TicketStatus.IN_PROGRESS)
	if status == TicketStatus.RESOLVED and state.resolved_at and now - state.resolved_at <= reopen_window:
		return TicketState(TicketStatus.IN_PROGRESS)
	return state


def comes_back(state: TicketState, now: datetime) -> bool:
	return (
		TicketStatus(state.status) == TicketStatus.POSTPONED
		and state.postponed_until is not None
		and state.postponed_until <= now
	)


def due_by(opened_at: datetime, resolution_hours: float | None, priority: str) -> datetime | None:
	"""When the ticket should be resolved: its type's target, shortened or lengthened by priority."""
	if not resolution_hours:
		return None
	return opened_at + timedelta(hours=resolution_hours * PRIORITY_SHARE[Priority(priority)])


def is_overdue(status: str, due: datetime | None, now: datetime) -> bool:
	return due is not None and TicketStatus(status) in ACTIVE and due < now


def would_be_own_ancestor(ticket: str, parent: str | None, parent_of) -> bool:
	"""True when making `parent` the parent of `ticket` closes a loop. `parent_of(name)` gives a
	ticket's current parent (or None)."""
	seen = set()
	while parent:
		if parent == ticket or parent in seen:
			return True
		seen.add(parent)
		parent = parent_of(parent)
	return False


def check_subject(subject: str | None) -> str:
	subject = (subject or "").strip()
	if not subject:
		raise DomainError("invalid", "A ticket needs a subject.")
	if len(subject) > SUBJECT_LENGTH:
		raise DomainError(
			"invalid",
			"The subject is too long: {length} characters, at most {limit}.",
			length=len(subject),
			limit=SUBJECT_LENGTH,
		)
	return subject


def require(allowed: bool, message: str) -> None:
	if not allowed:
		raise DomainError("conflict", message)


def refuse(message: str, **params) -> None:
	raise DomainError("invalid", message, **params)
