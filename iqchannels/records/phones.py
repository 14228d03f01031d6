"""Phone numbers and the clients they belong to (layer: records).

A number comes from a PBX in whatever form its operator configured: 79151112233, 8 915 111-22-33,
+7 (915) 111-22-33, a SIP address. It is read with `phonenumbers` in the channel's country and kept in
E.164 (+79151112233); what cannot be read as a phone number is kept as given, flagged, and matches no
client. A known number finds its client through the phone channel's identities (one indexed lookup);
the first call of a number looks for a client whose card carries it, in its usual spellings, and makes a
new client when there is none.
"""

from dataclasses import dataclass

import frappe
import phonenumbers

from iqchannels.records.clients import attach_identity, create_client, identity_owner

DEFAULT_REGION = "RU"
MAX_LENGTH = 64


@dataclass(frozen=True)
class Phone:
	given: str | None  # as the PBX sent it
	e164: str | None  # None: no number, or one that could not be read

	@property
	def unparsed(self) -> bool:
		return bool(self.given) and not self.e164


def normalise(number, region: str | None = None) -> Phone:
	"""The number in E.164, read in `region` (two letters) when it has no country code. Never raises."""
	given = str(number).strip()[:MAX_LENGTH] if number not in (None, "") else ""
	if not given:
		return Phone(None, None)
	region = (region or DEFAULT_REGION).strip().upper() or DEFAULT_REGION
	for text in candidates(given):
		try:
			parsed = phonenumbers.parse(text, region)
		except phonenumbers.NumberParseException:
			continue
		if phonenumbers.is_possible_number(parsed) and phonenumbers.is_valid_number(parsed):
			return Phone(given, phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
	return Phone(given, None)


def candidates(given: str) -> list[str]:
	"""How to read a number: as written, then (digits only, as PBXs send them: 380441234567) as an
	international number without its plus."""
	if given.lower().startswith(("sip:", "sips:")):
		return []
	digits = "".join(ch for ch in given if ch.isdigit())
	readings = [given]
	if digits and not given.startswith("+") and len(digits) > 10:
		readings.append("+" + digits)
	return readings


def spellings(e164: str) -> list[str]:
	"""The ways a person may have typed the number on a card: +79151112233, 79151112233,
	+7 915 111-22-33, 8 (915) 111-22-33, 89151112233, 9151112233."""
	parsed = phonenumbers.parse(e164)
	national = str(parsed.national_number)
	forms = {
		e164,
		e164.lstrip("+"),
		phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
		phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL),
		national,
	}
	region = phonenumbers.region_code_for_number(parsed)
	if prefix := region and phonenumbers.ndd_prefix_for_region(region, True):
		forms.add(prefix + national)
	return sorted(forms)


def client_with_number(e164: str) -> str | None:
	"""The latest client (not merged into another) whose card carries the number in one of its usual
	spellings; the phone field's index answers."""
	rows = frappe.db.sql(
		"""select name from `tabIQC Client`
		where phone in %(forms)s and coalesce(merged_into, '') = ''
		order by modified desc limit 1""",
		{"forms": spellings(e164)},
	)
	return str(rows[0][0]) if rows else None


def client_for_phone(channel, phone: Phone) -> tuple[str | None, bool]:
	"""The client a call's number belongs to, and whether it was made just now. A number that could not
	be read belongs to nobody."""
	if not phone.e164:
		return None, False
	label = pretty(phone.e164)
	if owner := identity_owner(channel.name, phone.e164):
		return str(owner), False
	if known := client_with_number(phone.e164):
		return str(attach_identity(known, channel.name, phone.e164, {}, label)), False
	client, made = create_client(channel, phone.e164, {"phone": phone.e164, "full_name": label}, label=label)
	return str(client), made


def pretty(e164: str) -> str:
	"""+7 915 111-22-33: how the number shows on a card made from a call."""
	try:
		return phonenumbers.format_number(
			phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
		)
	except phonenumbers.NumberParseException:
		return e164
