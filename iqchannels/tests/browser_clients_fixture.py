"""Data for the Clients view's browser test: a line of Ann and Bob with more than 100 clients (so the view
shows the large list), a company whose two clients are found by its INN, and a second line of Bob alone
where one of them also writes (so that only following brings her news to Ann). Nobody's status changes:
the other browser tests and benchmarks count on the fixture's operators as they left them.

	bench --site SITE execute iqchannels.tests.browser_clients_fixture.prepare \
		--kwargs "{'ann': 'ann@…', 'bob': 'bob@…'}"

prints them as JSON; each call makes new ones.
"""

import random

import frappe
from frappe.utils import add_days, now_datetime

from iqchannels.records.clients import client_for_identity
from iqchannels.tests.browser_fixture import conversation_of
from iqchannels.tests.factories import make_channel, make_company, make_line, unique

FILLERS = 110


def prepare(ann: str, bob: str) -> dict:
	frappe.set_user("Administrator")
	line = make_line([ann, bob])
	bobs_line = make_line([bob])
	secret, bobs_secret = frappe.generate_hash(length=32), frappe.generate_hash(length=32)
	channel = make_channel(line, "API", secret=secret)
	bobs_channel = make_channel(bobs_line, "API", secret=bobs_secret)
	long_ago = add_days(now_datetime(), -120)  # outside anyone's relevance period
	for number in range(FILLERS):
		client = client_for_identity(channel, unique("filler"), {"full_name": f"Filler Client {number:03}"})
		conversation_of(client, channel.name, line, None, long_ago, closed=True)
	inn = str(random.randint(10**9, 10**10 - 1))
	company = make_company(company_name=unique("Romashka"), inn=inn)
	people = {}
	for key, full_name in (("olga", "Olga Romashkina"), ("pavel", "Pavel Romashkin")):
		external_id = unique(key)
		client = client_for_identity(channel, external_id, {"full_name": full_name})
		frappe.db.set_value("IQC Client", client, "company", company)
		conversation_of(client, channel.name, line, None, long_ago, closed=True)
		people[key] = {"client": str(client), "id": external_id, "full_name": full_name}
	# Olga also writes to Bob's line, where Ann is not: what she says there reaches Ann only as a follower.
	olga_at_bob = unique("olga-b")
	frappe.get_doc("IQC Client", people["olga"]["client"]).append(
		"identities", {"channel": bobs_channel.name, "external_id": olga_at_bob}
	).db_insert()
	people["olga"]["id_at_bob"] = olga_at_bob
	frappe.db.commit()
	return {
		"line": line,
		"channel": channel.name,
		"secret": secret,
		"bobs_channel": bobs_channel.name,
		"bobs_secret": bobs_secret,
		"inn": inn,
		"company": company,
		**people,
	}
