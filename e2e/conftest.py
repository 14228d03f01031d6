"""Fixtures of the tests against a running site (see live_site.py): its connection and its RQ workers."""

import frappe
import pytest


@pytest.fixture(scope="module")
def connected():
	"""A Frappe connection of the test module's own to the running site."""
	import live_site as live

	live.connect()
	yield
	frappe.destroy()


@pytest.fixture
def workers():
	"""RQ workers the test starts, kills and stops itself; stopped at the test's end."""
	import live_site as live

	started = live.Workers()
	yield started
	started.stop()
