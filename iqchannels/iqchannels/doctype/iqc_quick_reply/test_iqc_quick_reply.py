# Copyright (c) 2026, IQChannels and contributors
# License: MIT. See license.txt

import frappe

from iqchannels.tests.factories import IQCTestCase, make_operator, make_supervisor


class TestIQCQuickReply(IQCTestCase):
	def reply(self, scope="Personal", shortcut="hello"):
		return frappe.get_doc(
			{
				"doctype": "IQC Quick Reply",
				"title": shortcut,
				"shortcut": shortcut,
				"scope": scope,
				"text": "Hello!",
			}
		)

	def test_personal_replies_are_their_owners_and_shared_ones_are_made_by_supervisors(self):
		ann, bob = make_operator(first_name="Ann"), make_operator(first_name="Bob")
		frappe.set_user(ann)
		mine = self.reply(shortcut="/thanks").insert()
		self.assertEqual((mine.user, mine.shortcut), (ann, "thanks"))
		self.assertRaises(frappe.PermissionError, self.reply("Global", "hi").insert)

		frappe.set_user(make_supervisor())
		shared = self.reply("Global", "welcome").insert()

		frappe.set_user(bob)
		visible = set(frappe.get_list("IQC Quick Reply", pluck="name"))
		self.assertIn(shared.name, visible)
		self.assertNotIn(mine.name, visible)
		self.assertFalse(frappe.has_permission("IQC Quick Reply", "read", doc=mine))
		self.assertFalse(frappe.has_permission("IQC Quick Reply", "write", doc=shared))

	def test_a_shortcut_is_one_word(self):
		self.assertRefused(417, self.reply(shortcut="two words").insert)
