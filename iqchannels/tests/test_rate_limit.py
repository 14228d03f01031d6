"""The public endpoints' rate limit, against the site's own Redis: a counter never outlives its window."""

import threading
import time

import frappe
from frappe.tests.utils import FrappeTestCase

from iqchannels.records.rate_limit import count, counter_key


class TestRateLimit(FrappeTestCase):
	def name(self) -> str:
		return f"test:{frappe.generate_hash(length=10)}"

	def test_a_new_counter_carries_its_window(self):
		name = self.name()
		self.assertEqual([count(name, 60) for _ in range(3)], [1, 2, 3])
		self.assertTrue(0 < frappe.cache.ttl(counter_key(name)) <= 60)

	def test_a_counter_left_without_an_expiry_gets_one_and_lapses(self):
		name = self.name()
		# What Frappe's own limiter leaves behind when a counter expires between its steps.
		frappe.cache.set(counter_key(name), 2490)
		self.assertEqual(frappe.cache.ttl(counter_key(name)), -1)
		self.assertEqual(count(name, 1), 2491)
		self.assertTrue(0 < frappe.cache.ttl(counter_key(name)) <= 1)
		time.sleep(1.2)
		self.assertEqual(count(name, 1), 1, "the caller is let in again once the window is over")

	def test_under_load_across_expiries_no_counter_is_ever_left_without_an_expiry(self):
		name = self.name()
		key = counter_key(name)
		deadline = time.monotonic() + 3.5
		seen_ttls, errors = set(), []
		site, sites_path = frappe.local.site, frappe.local.sites_path

		def hammer():
			frappe.init(site=site, sites_path=sites_path)  # each thread is a request of its own
			try:
				while time.monotonic() < deadline:
					count(name, 1)
			except Exception as error:
				errors.append(error)
			finally:
				frappe.destroy()

		def watch():
			frappe.init(site=site, sites_path=sites_path)
			try:
				while time.monotonic() < deadline:
					seen_ttls.add(frappe.cache.ttl(key))
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=hammer) for _ in range(4)] + [threading.Thread(target=watch)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join()
		self.assertEqual(errors, [])
		self.assertNotIn(-1, seen_ttls, "a counter existed without an expiry")
		self.assertTrue(seen_ttls & {0, 1}, "the watcher saw the counter live")
		time.sleep(1.2)
		self.assertEqual(count(name, 1), 1)
