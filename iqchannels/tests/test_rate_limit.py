"""The public endpoints' rate limits, against the site's own Redis: a small burst at once, then calls at the
limit's pace, whatever a flooder sends; every key expires."""

import threading
import time

import frappe
from frappe.tests.utils import FrappeTestCase

from iqchannels.records.rate_limit import admit, burst, counter_key, hold_off


class TestRateLimit(FrappeTestCase):
	def name(self) -> str:
		return f"test:{frappe.generate_hash(length=10)}"

	def calls(self, name: str, limit: tuple[int, float], count: int) -> list[bool]:
		return [admit([name], [limit]) == 0 for _ in range(count)]

	def test_the_allowance_is_a_tenth_of_the_limit_but_a_few_calls_at_least(self):
		self.assertEqual([burst(n) for n in (1200, 600, 60, 30, 10, 5, 1)], [120, 60, 6, 5, 5, 5, 1])

	def test_a_burst_beyond_the_allowance_is_refused_and_another_caller_is_served(self):
		name, limit = self.name(), (60, 60)  # one call a second, six at once
		self.assertEqual(self.calls(name, limit, 8), [True] * 6 + [False] * 2)
		self.assertEqual(self.calls(self.name(), limit, 1), [True])
		time.sleep(1.1)
		self.assertEqual(self.calls(name, limit, 1), [True], "a second later, one call more")

	def test_a_flood_gets_the_allowance_and_then_calls_at_the_limits_pace(self):
		name, (limit, seconds) = self.name(), (600, 60)  # ten calls a second, sixty at once
		pace = seconds / limit
		began = time.monotonic()
		admitted = 0
		while time.monotonic() - began < 1.5:
			admitted += admit([name], [(limit, seconds)]) == 0
			time.sleep(0.002)
		elapsed = time.monotonic() - began
		# Refused calls count for nothing: the flood still gets one call each pace, no more.
		self.assertGreaterEqual(admitted, burst(limit) + int(elapsed / pace) - 2)
		self.assertLessEqual(admitted, burst(limit) + int(elapsed / pace) + 1)

	def test_calls_spaced_at_the_limits_pace_are_all_admitted(self):
		name, limit = self.name(), (1200, 60)  # one call each 50 ms
		while admit([name], [limit]) == 0:  # the allowance is used up first
			pass
		answers = []
		for _ in range(12):
			time.sleep(0.055)
			answers.append(admit([name], [limit]) == 0)
		self.assertEqual(answers, [True] * 12)

	def test_a_call_over_one_of_its_limits_counts_against_none(self):
		address, visitor = self.name(), self.name()
		limits = [(600, 60), (6, 60)]  # an address's limit and a visitor's, counted together
		answers = [admit([address, visitor], limits) for _ in range(7)]
		self.assertEqual(answers, [0] * 5 + [2] * 2, "the visitor's five at once, then its limit refuses")
		other = self.name()
		# The address was charged five calls only: 55 more of its allowance for other visitors.
		answers = [admit([address, other], [(600, 60), (600, 60)]) for _ in range(56)]
		self.assertEqual(answers, [0] * 55 + [1])

	def test_a_key_expires_once_the_allowance_is_whole_again(self):
		name, limit = self.name(), (10, 1)  # five at once, one each 100 ms
		self.assertEqual(self.calls(name, limit, 6), [True] * 5 + [False])
		self.assertTrue(0 < frappe.cache.pttl(counter_key(name)) <= 500)
		time.sleep(0.6)
		self.assertEqual(frappe.cache.pttl(counter_key(name)), -2, "the key is gone")
		self.assertEqual(self.calls(name, limit, 6), [True] * 5 + [False])

	def test_a_counter_of_the_former_fixed_window_without_an_expiry_gets_one(self):
		name = self.name()
		frappe.cache.set(counter_key(name), 2490)  # a count the former limiter may have left
		self.assertEqual(frappe.cache.ttl(counter_key(name)), -1)
		self.assertEqual(self.calls(name, (10, 1), 1), [True])
		self.assertTrue(0 < frappe.cache.pttl(counter_key(name)) <= 100)

	def test_a_caller_held_off_is_refused_and_served_again_later(self):
		name = self.name()
		hold_off(name, 0.5, window=1)
		self.assertEqual(self.calls(name, (10, 1), 2), [False, False])
		time.sleep(1.6)
		self.assertEqual(self.calls(name, (10, 1), 1), [True])

	def test_under_load_no_two_workers_take_the_same_call_and_no_key_lacks_an_expiry(self):
		name, (limit, seconds) = self.name(), (100, 1)  # ten at once, one each 10 ms
		key = counter_key(name)
		deadline = time.monotonic() + 2
		admitted, seen_ttls, errors = [], set(), []
		site, sites_path = frappe.local.site, frappe.local.sites_path

		def hammer():
			frappe.init(site=site, sites_path=sites_path)  # each thread is a request of its own
			try:
				while time.monotonic() < deadline:
					if admit([name], [(limit, seconds)]) == 0:
						admitted.append(1)
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

		began = time.monotonic()
		threads = [threading.Thread(target=hammer) for _ in range(4)] + [threading.Thread(target=watch)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join()
		elapsed = time.monotonic() - began
		self.assertEqual(errors, [])
		self.assertLessEqual(len(admitted), burst(limit) + int(elapsed * limit / seconds) + 1)
		self.assertNotIn(-1, seen_ttls, "a key existed without an expiry")
		time.sleep(1.1)
		self.assertEqual(frappe.cache.pttl(key), -2, "the key is gone")
