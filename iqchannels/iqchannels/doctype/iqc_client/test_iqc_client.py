# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe

from iqchannels.tests.factories import IQCTestCase, make_channel, make_line


class TestIQCClient(IQCTestCase):
	def setUp(self):
		super().setUp()
		self.channel = make_channel(make_line()).name

	def client(self, *external_ids):
		return frappe.get_doc(
			{
				"doctype": "IQC Client",
				"full_name": "Petr",
				"identities": [{"channel": self.channel, "external_id": e} for e in external_ids],
			}
		)

	def test_an_identity_bound_to_another_client_is_refused_with_its_owner_named(self):
		owner = self.client("tg-42").insert()
		error = self.assertRefused(409, self.client(" tg-42 ").insert)
		self.assertIn(str(owner.name), str(error))
		self.assertEqual(self.count("IQC Client Identity", external_id="tg-42"), 1)

	def test_the_same_identity_twice_in_one_profile_is_refused(self):
		self.assertRefused(409, self.client("a", "a").insert)

	def test_a_profile_keeps_its_own_identity_when_saved_again(self):
		client = self.client("tg-7").insert()
		client.vip = 1
		client.save()
		self.assertEqual(frappe.db.get_value("IQC Client", client.name, "vip"), 1)
