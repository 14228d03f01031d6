"""Calls (layer: engine): what a PBX tells of one call, merged into one call whatever the order.

A PBX sends its events about a call in parallel, so they arrive out of order, and it retries, so they
arrive twice. A call is therefore kept as the merge of everything heard about it, and that merge gives
the same result in any order and for any repetition (it is commutative and idempotent): a `Disconnected`
before its `Appeared`, the same event twice or an older `seq` after a newer one all end in the one call
the PBX meant. What the call shows (its state, its times, its operator's extension) is computed from the
merge by `outcome`.

A call may have several legs (Mango Office: one `entry_id`, several `call_id`s as it moves from the
voice menu to a queue to an operator, or from one operator to another); each leg numbers its own
events (`seq`). The state is a plain dict of JSON values, so the shell stores it on the call as it is.
"""

from dataclasses import dataclass

APPEARED, CONNECTED, ON_HOLD, DISCONNECTED = "Appeared", "Connected", "OnHold", "Disconnected"
LEG_STATES = (APPEARED, CONNECTED, ON_HOLD, DISCONNECTED)
INBOUND, OUTBOUND, INTERNAL = "Inbound", "Outbound", "Internal"
# Why a call ended without a talk; None: nobody answered (a missed call).
BUSY, FAILED = "busy", "failed"
RINGING, ANSWERED, MISSED = "Ringing", "Answered", "Missed"
STATE_BY_END = {None: MISSED, BUSY: "Busy", FAILED: "Failed"}
# What a leg's later event may change; each keeps the value of the latest event that carries it.
LEG_FIELDS = ("direction", "number", "extension", "line_number", "at_operator", "end")


@dataclass(frozen=True)
class LegEvent:
	"""A change of one leg of the call (Mango Office's events/call; the generic API's events)."""

	leg: str
	state: str  # one of LEG_STATES
	at: int  # seconds since the epoch
	seq: int = 0
	direction: str | None = None  # what this leg says of the call: INBOUND, OUTBOUND or INTERNAL
	number: str | None = None  # the client's number, as the PBX gave it
	extension: str | None = None  # the operator's extension on this leg
	at_operator: bool = True  # False while the leg is in a voice menu or a queue
	line_number: str | None = None
	end: str | None = None  # on Disconnected: BUSY or FAILED when the PBX says so


@dataclass(frozen=True)
class Summary:
	"""The PBX's final word on the call (Mango Office's events/summary): it has ended."""

	direction: str
	created_at: int
	ended_at: int
	answered: bool
	answered_at: int | None = None
	number: str | None = None
	extension: str | None = None
	line_number: str | None = None
	end: str | None = None


@dataclass(frozen=True)
class Recording:
	recording_id: str
	at: int
	ready: bool = False  # the recording is complete and can be fetched
	url: str | None = None


@dataclass(frozen=True)
class Placed:
	"""An operator placed the call from the app (click-to-call); `failed`: the PBX refused it."""

	at: int
	number: str | None = None
	extension: str | None = None
	failed: bool = False


@dataclass(frozen=True)
class CallView:
	direction: str | None
	state: str
	ended: bool
	number: str | None
	extension: str | None
	line_number: str | None
	started_at: int | None
	answered_at: int | None
	ended_at: int | None
	wait_seconds: int | None
	talk_seconds: int | None
	recording_id: str | None
	recording_url: str | None
	last_seq: int


def empty() -> dict:
	return {"legs": {}, "summary": None, "recordings": {}, "placed": None}


def merge(state: dict | None, event) -> dict:
	"""The call's state once `event` is heard too. Never changes `state` itself."""
	merged = empty() if not state else {**state, "legs": dict(state.get("legs") or {})}
	merged["recordings"] = dict(merged.get("recordings") or {})
	if isinstance(event, LegEvent):
		if event.state not in LEG_STATES:
			raise ValueError(f"unknown leg state {event.state}")
		merged["legs"][event.leg] = merge_leg(merged["legs"].get(event.leg), event)
	elif isinstance(event, Summary):
		merged["summary"] = latest(merged.get("summary"), as_dict(event), ("ended_at", "created_at"))
	elif isinstance(event, Recording):
		merged["recordings"][event.recording_id] = merge_recording(
			merged["recordings"].get(event.recording_id), event
		)
	elif isinstance(event, Placed):
		placed = merged.get("placed")
		mine = as_dict(event)
		merged["placed"] = (
			mine
			if not placed
			else {**latest(placed, mine, ("at",)), "failed": placed["failed"] or event.failed}
		)
	else:
		raise TypeError(f"not a call event: {event!r}")
	return merged


def merge_leg(leg: dict | None, event: LegEvent) -> dict:
	rank = LEG_STATES.index(event.state)
	key = [event.seq, rank, event.at]
	leg = dict(leg) if leg else {"seq": event.seq, "state": event.state, "key": key}
	if key > leg["key"]:
		leg.update(seq=event.seq, state=event.state, key=key)
	leg["appeared"] = min_of(leg.get("appeared"), event.at)
	if event.state == CONNECTED and event.at_operator:
		leg["connected"] = min_of(leg.get("connected"), event.at)
	if event.state == DISCONNECTED:
		leg["disconnected"] = max(leg.get("disconnected") or event.at, event.at)
	for name in LEG_FIELDS:
		value = getattr(event, name)
		if value is None:
			continue
		mine = [*key, repr(value)]
		if name not in leg or mine > leg[name][0]:
			leg[name] = [mine, value]
	return leg


def merge_recording(known: dict | None, event: Recording) -> dict:
	if not known:
		return {"at": event.at, "ready": event.ready, "url": event.url}
	return {
		"at": min(known["at"], event.at),
		"ready": known["ready"] or event.ready,
		"url": max(known.get("url") or "", event.url or "") or None,
	}


def outcome(state: dict) -> CallView:
	"""What the call is now, as the operator and the reports see it."""
	legs = sorted(((leg.get("appeared"), name, leg) for name, leg in state["legs"].items()), key=order)
	summary, placed = state.get("summary"), state.get("placed")
	operator_legs = [(at, name, leg) for at, name, leg in legs if value_of(leg, "at_operator", True)]
	direction = direction_of(summary, placed, legs)
	# A talk is a leg of the call's own direction connected: the client with an operator. Click-to-call
	# first rings the operator (a leg towards them), and a consultation joins two operators: neither is
	# the client answering.
	connected = sorted(
		(
			(leg["connected"], name, leg)
			for _at, name, leg in operator_legs
			if leg.get("connected") is not None and value_of(leg, "direction", direction) == direction
		),
		key=order,
	)
	answered_at = min_of(
		connected[0][0] if connected else None,
		summary["answered_at"] if summary and summary["answered"] else None,
	)
	answered = bool(connected) or bool(summary and summary["answered"])
	ended = bool(
		summary
		or (placed and placed["failed"])
		or (operator_legs and all(leg.get("disconnected") is not None for _at, _name, leg in legs))
	)
	started_at = min_of(
		legs[0][0] if legs else None,
		summary["created_at"] if summary else None,
		placed["at"] if placed else None,
	)
	ended_at = None
	if ended:
		ended_at = (
			summary["ended_at"]
			if summary
			else max_of(
				*(leg.get("disconnected") for _at, _name, leg in legs), placed["at"] if placed else None
			)
		)
	return CallView(
		direction=direction,
		state=state_of(answered, ended, summary, placed, legs),
		ended=ended,
		number=first(summary and summary["number"], placed and placed["number"], *values(legs, "number")),
		extension=extension_of(connected, operator_legs, summary, placed),
		line_number=first(summary and summary["line_number"], *values(legs, "line_number")),
		started_at=started_at,
		answered_at=answered_at,
		ended_at=ended_at,
		wait_seconds=span(started_at, answered_at if answered_at is not None else ended_at),
		talk_seconds=span(answered_at, ended_at) if answered_at is not None else (0 if ended else None),
		**recording_of(state.get("recordings") or {}),
		last_seq=max((leg["seq"] for _at, _name, leg in legs), default=0),
	)


def direction_of(summary, placed, legs) -> str | None:
	"""The PBX's final word first; a call the app placed is outbound; else what its first leg says."""
	if summary:
		return summary["direction"]
	if placed:
		return OUTBOUND
	return first(*values(legs, "direction"))


def state_of(answered, ended, summary, placed, legs) -> str:
	if answered:
		return ANSWERED
	if not ended:
		return RINGING
	if placed and placed["failed"]:
		return STATE_BY_END[FAILED]
	if summary:
		return STATE_BY_END.get(summary["end"], MISSED)
	last = max(legs, key=lambda item: (item[2].get("disconnected") or 0, item[1]))
	return STATE_BY_END.get(value_of(last[2], "end"), MISSED)


def extension_of(connected, operator_legs, summary, placed) -> str | None:
	"""Who holds the call: the operator who answered last (after a transfer, the one it went to), else
	the one it rings at last."""
	if connected:
		talking = first(*(value_of(leg, "extension") for _at, _name, leg in reversed(connected)))
		if talking:
			return talking
	ringing = first(*(value_of(leg, "extension") for _at, _name, leg in reversed(operator_legs)))
	return first(ringing, summary and summary["extension"], placed and placed["extension"])


def recording_of(recordings: dict) -> dict:
	"""The first complete recording (a transferred call may have one per operator)."""
	ready = sorted((r["at"], rid, r) for rid, r in recordings.items() if r["ready"])
	if not ready:
		return {"recording_id": None, "recording_url": None}
	_at, rid, rec = ready[0]
	return {"recording_id": rid, "recording_url": rec.get("url")}


def as_dict(event) -> dict:
	return dict(event.__dict__)


def latest(known: dict | None, new: dict, keys: tuple) -> dict:
	"""The later of two reports of the same thing; equal ones compared whole, so the choice never
	depends on which came first."""
	if not known:
		return new
	return max(known, new, key=lambda d: ([d.get(k) or 0 for k in keys], repr(sorted(d.items()))))


def value_of(leg: dict, name: str, default=None):
	return leg[name][1] if name in leg else default


def values(legs, name: str) -> list:
	return [value_of(leg, name) for _at, _name, leg in legs]


def order(item) -> tuple:
	return (item[0] if item[0] is not None else float("inf"), item[1])


def first(*candidates):
	return next((c for c in candidates if c not in (None, "")), None)


def min_of(*candidates):
	present = [c for c in candidates if c is not None]
	return min(present) if present else None


def max_of(*candidates):
	present = [c for c in candidates if c is not None]
	return max(present) if present else None


def span(start: int | None, end: int | None) -> int | None:
	if start is None or end is None:
		return None
	return max(0, int(end) - int(start))
