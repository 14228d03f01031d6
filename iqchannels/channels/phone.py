"""The telephony channel (layer: channels): what a PBX posts, read into the call engine's events, and what
the app asks of a PBX (click-to-call, a recording).

Two PBX protocols. Mango Office's virtual PBX API: every request, both ways, is a form with
`vpbx_api_key`, `json` and `sign` = sha256(vpbx_api_key + json + vpbx_api_salt), hex; the PBX posts
`events/call` (one leg of a call changes state), `events/summary` (the call is over) and
`events/recording`; the app posts `commands/callback` to ring an operator and then the client, and
`queries/recording/post` for a recording's file. The generic API, for any other PBX, takes one JSON
object per event signed like the inbound API (HMAC-SHA256 of the raw body with the channel's secret).
"""

import hashlib
import json
from datetime import datetime, timezone

import frappe
import requests

from iqchannels.channels.base import ChannelAdapter
from iqchannels.engine import calls as engine
from iqchannels.records.passwords import decrypted
from iqchannels.records.signing import same, sign

CHANNEL_TYPE = "Phone"
MANGO, GENERIC = "Mango Office", "Generic"
MANGO_API = "https://app.mango-office.ru/vpbx"
TIMEOUT = 15
MAX_RECORDING_BYTES = 64 * 1024 * 1024
MAX_ID = 128
# Mango Office's classes of disconnect reasons: 2xxx billing, 32xx a wrong number, 42xx cannot be
# reached now, 5xxx the PBX's own trouble; 11xx is a normal end (nobody answered, or hung up).
MANGO_STATES = {"Appeared": engine.APPEARED, "Connected": engine.CONNECTED, "OnHold": engine.ON_HOLD}
MANGO_STATES["Disconnected"] = engine.DISCONNECTED
MANGO_DIRECTIONS = {0: engine.INTERNAL, 1: engine.INBOUND, 2: engine.OUTBOUND}
GENERIC_EVENTS = {
	"ringing": engine.APPEARED,
	"answered": engine.CONNECTED,
	"hold": engine.ON_HOLD,
	"ended": engine.DISCONNECTED,
}
GENERIC_RESULTS = {"answered": None, "no_answer": None, "busy": engine.BUSY, "failed": engine.FAILED}
GENERIC_DIRECTIONS = {"inbound": engine.INBOUND, "outbound": engine.OUTBOUND}


class BadEvent(ValueError):
	"""What the PBX sent cannot be read; `message` (English, translated by the caller) says why."""

	def __init__(self, message: str, *args):
		super().__init__(message.format(*args))
		self.message, self.args_ = message, args


class PbxError(Exception):
	"""The PBX did not do what the app asked (it answered an error, or could not be reached)."""


class PbxUnavailable(frappe.ValidationError):
	"""The answer to a person when the PBX did not do what they asked."""

	http_status_code = 502


class PhoneChannel(ChannelAdapter):
	"""Calls do not carry the operators' replies: a reply in a callback request stays in its history."""

	channel_type = CHANNEL_TYPE


# Mango Office ------------------------------------------------------------------------------------


def mango_sign(key: str, json_text: str, salt: str) -> str:
	return hashlib.sha256(f"{key}{json_text}{salt}".encode()).hexdigest()


def mango_signature_ok(channel, key: str | None, json_text: str | None, signature: str | None) -> bool:
	salt = decrypted("IQC Channel", channel.name, "secret")
	if not (salt and key and json_text is not None and signature) or key != channel.pbx_api_key:
		return False
	return same(mango_sign(key, json_text, salt), signature.strip().lower())


def mango_form(channel, payload: dict) -> dict:
	json_text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
	salt = channel.get_password("secret", raise_exception=False) or ""
	return {
		"vpbx_api_key": channel.pbx_api_key,
		"sign": mango_sign(channel.pbx_api_key, json_text, salt),
		"json": json_text,
	}


def parse_mango_call(data: dict) -> tuple[str, engine.LegEvent, str | None]:
	"""events/call: (entry_id, the leg's event, the command that made the call, if any)."""
	entry = ident(data.get("entry_id"), "entry_id")
	state = MANGO_STATES.get(data.get("call_state"))
	if not state:
		raise BadEvent("Unknown call_state {0}.", data.get("call_state"))
	caller, called = party(data, "from"), party(data, "to")
	if caller.get("extension") and called.get("extension"):
		direction, number, extension = engine.INTERNAL, None, called.get("extension")
	elif caller.get("extension"):
		direction, number, extension = engine.OUTBOUND, called.get("number"), caller.get("extension")
	else:
		direction, number, extension = engine.INBOUND, caller.get("number"), called.get("extension")
	event = engine.LegEvent(
		leg=ident(data.get("call_id") or entry, "call_id"),
		state=state,
		at=epoch(data.get("timestamp"), "timestamp"),
		seq=whole(data.get("seq"), "seq"),
		direction=direction,
		number=text(number),
		extension=text(extension),
		at_operator=(data.get("location") or "abonent") == "abonent",
		line_number=text(called.get("line_number")),
		end=mango_end(data.get("disconnect_reason")) if state == engine.DISCONNECTED else None,
	)
	return entry, event, text(data.get("command_id"))


def parse_mango_summary(data: dict) -> tuple[str, engine.Summary]:
	"""events/summary: the call is over, with its direction, its times and whether a talk took place."""
	entry = ident(data.get("entry_id"), "entry_id")
	direction = MANGO_DIRECTIONS.get(whole(data.get("call_direction"), "call_direction"))
	if not direction:
		raise BadEvent("Unknown call_direction {0}.", data.get("call_direction"))
	caller, called = party(data, "from"), party(data, "to")
	outbound = direction == engine.OUTBOUND
	talk = whole(data.get("talk_time"), "talk_time")
	created = epoch(data.get("create_time"), "create_time")
	return entry, engine.Summary(
		direction=direction,
		created_at=created,
		ended_at=max(created, epoch(data.get("end_time"), "end_time")),
		# entry_result 1: the call succeeded (an operator talked, or the voice menu finished it).
		answered=whole(data.get("entry_result"), "entry_result") == 1,
		answered_at=talk or None,
		number=text((called if outbound else caller).get("number")),
		extension=text((caller if outbound else called).get("extension")),
		line_number=text(data.get("line_number") or called.get("line_number")),
		end=mango_end(data.get("disconnect_reason")),
	)


def parse_mango_recording(data: dict) -> tuple[str, engine.Recording]:
	"""events/recording: a recording started, went on in another leg, or is complete (1000: kept)."""
	entry = ident(data.get("entry_id"), "entry_id")
	code = data.get("completion_code")
	ready = data.get("recording_state") == "Completed" and str(code or "1000") == "1000"
	return entry, engine.Recording(
		recording_id=ident(data.get("recording_id"), "recording_id"),
		at=epoch(data.get("timestamp"), "timestamp"),
		ready=ready,
	)


def mango_end(reason) -> str | None:
	code = str(reason or "")
	if code.startswith(("2", "32", "5")):
		return engine.FAILED
	if code.startswith("42"):
		return engine.BUSY
	return None


# The generic API -----------------------------------------------------------------------------------


def parse_generic(data: dict) -> tuple[str, object]:
	"""One event of the generic telephony API (see README): (the call's id, the engine's event)."""
	call_id = ident(data.get("call_id"), "call_id")
	kind = data.get("event")
	at = epoch(data.get("timestamp"), "timestamp") if data.get("timestamp") not in (None, "") else now()
	if kind == "recording":
		url = text(data.get("recording_url"))
		if not url or not url.startswith(("http://", "https://")):
			raise BadEvent("{0} must be an http(s) address.", "recording_url")
		return call_id, engine.Recording(recording_id=url[:140], at=at, ready=True, url=url)
	if kind not in GENERIC_EVENTS:
		raise BadEvent("Unknown event {0}: use ringing, answered, hold, ended or recording.", kind)
	direction = data.get("direction")
	if direction not in (None, "", *GENERIC_DIRECTIONS):
		raise BadEvent("Unknown direction {0}: use inbound or outbound.", direction)
	result = data.get("result")
	if result not in (None, "", *GENERIC_RESULTS):
		raise BadEvent("Unknown result {0}: use answered, no_answer, busy or failed.", result)
	return call_id, engine.LegEvent(
		leg=call_id,
		state=GENERIC_EVENTS[kind],
		at=at,
		seq=whole(data.get("seq"), "seq"),
		direction=GENERIC_DIRECTIONS.get(direction),
		number=text(data.get("client_number")),
		extension=text(data.get("extension")),
		line_number=text(data.get("line_number")),
		end=GENERIC_RESULTS.get(result) if kind == "ended" else None,
	)


# Asking the PBX ------------------------------------------------------------------------------------


def place_call(channel, extension: str, number: str, command_id: str) -> None:
	"""Ring the operator's `extension`, then `number` (Mango Office: commands/callback; generic: a
	signed POST to <api_base_url>/call). Raises PbxError when the PBX refuses."""
	if channel.pbx_type == GENERIC:
		body = json.dumps({"command_id": command_id, "extension": extension, "number": number}).encode()
		secret = channel.get_password("secret", raise_exception=False) or ""
		post(
			channel,
			"call",
			data=body,
			headers={"Content-Type": "application/json", "X-IQChannels-Signature": sign(secret, body)},
		)
		return
	payload = {"command_id": command_id, "from": {"extension": extension}, "to_number": number.lstrip("+")}
	answer = post(channel, "commands/callback", data=mango_form(channel, payload))
	try:
		result = str(answer.json().get("result"))
	except (ValueError, AttributeError):
		result = None
	if result != "1000":
		raise PbxError(f"the PBX answered {result or answer.text[:200]}")


def fetch_recording(channel, recording_id: str | None, url: str | None) -> tuple[bytes, str]:
	"""The recording's bytes and type: from Mango Office's queries/recording/post (which redirects to a
	link valid once), or from the link the generic API gave."""
	if url:
		answer = request("GET", url)
	elif channel.pbx_type == MANGO and recording_id:
		payload = {"recording_id": recording_id, "action": "download"}
		answer = post(channel, "queries/recording/post", data=mango_form(channel, payload))
	else:
		raise PbxError("the call has no recording to fetch")
	kind = (answer.headers.get("Content-Type") or "").split(";")[0].strip().lower()
	if not kind.startswith("audio/") and kind != "application/octet-stream":
		raise PbxError(f"the PBX sent {kind or 'something'} instead of a recording")
	if len(answer.content) > MAX_RECORDING_BYTES:
		raise PbxError("the recording is too large")
	return answer.content, kind


def base_url(channel) -> str:
	default = MANGO_API if channel.pbx_type != GENERIC else ""
	base = (channel.api_base_url or default).strip().rstrip("/")
	if not base:
		raise PbxError("the channel has no PBX address (API base URL)")
	return base


def post(channel, path: str, **kwargs) -> requests.Response:
	return request("POST", f"{base_url(channel)}/{path}", **kwargs)


def request(method: str, url: str, **kwargs) -> requests.Response:
	try:
		answer = requests.request(method, url, timeout=TIMEOUT, allow_redirects=True, **kwargs)
	except requests.RequestException as e:
		raise PbxError(f"the PBX could not be reached: {type(e).__name__}") from e
	if answer.status_code >= 400:
		raise PbxError(f"the PBX answered HTTP {answer.status_code}")
	return answer


# Reading values ------------------------------------------------------------------------------------


def party(data: dict, key: str) -> dict:
	value = data.get(key) or {}
	if not isinstance(value, dict):
		raise BadEvent("{0} must be an object.", key)
	return value


def ident(value, field: str) -> str:
	value = text(value)
	if not value:
		raise BadEvent("The event has no {0}.", field)
	if len(value) > MAX_ID:
		raise BadEvent("{0} must have 1 to {1} characters.", field, MAX_ID)
	return value


def text(value) -> str | None:
	if value is None or isinstance(value, dict | list | bool):
		return None
	value = str(value).strip()
	return value or None


INT_MAX = 2_147_483_647  # the largest number an Int field stores
LAST_SECOND = 253_402_300_799  # 9999-12-31 23:59:59 UTC, the last moment a datetime holds


def whole(value, field: str, most: int = INT_MAX) -> int:
	if value in (None, ""):
		return 0
	try:
		number = int(str(value).strip())
	except ValueError:
		raise BadEvent("{0} must be a whole number.", field) from None
	if abs(number) > most:
		raise BadEvent("{0} is out of range.", field)
	return number


def epoch(value, field: str) -> int:
	"""Seconds since the epoch, given as a number or as an ISO 8601 time (UTC unless it says)."""
	if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
		try:
			moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
		except ValueError:
			raise BadEvent("{0} must be a time: seconds since 1970 or ISO 8601.", field) from None
		return int((moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp())
	seconds = whole(value, field, most=LAST_SECOND)
	if seconds <= 0:
		raise BadEvent("{0} must be a time: seconds since 1970 or ISO 8601.", field)
	return seconds


def now() -> int:
	return int(datetime.now(timezone.utc).timestamp())
