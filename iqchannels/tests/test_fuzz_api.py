"""Every whitelisted method of the app, called through Frappe's request handling with generated
arguments as a guest, a web chat visitor, an operator and a supervisor limited to a segment.

Every answer must be below 500; every refusal a 4xx that says something to a person; and no answer may
carry a marker planted where the caller may not read it (a far line's client, message, ticket and
transfer, another visitor's message, an operator's note, a channel's secret).

A few cases per method and caller by default; `IQC_FUZZ_CASES=200` makes a long run, `IQC_FUZZ_SEED`
replays one.
"""

import contextlib
import io
import json
import os
import random
import time
from collections import Counter
from urllib.parse import urlencode

from frappe.tests.test_api import make_request
from frappe.utils import get_test_client, now_datetime

from iqchannels.tests import fuzz_scene
from iqchannels.tests.factories import IQCTestCase
from iqchannels.tests.fuzz_values import ArgumentMaker, Endpoint, as_form, discover, short

CASES = int(os.environ.get("IQC_FUZZ_CASES") or 8)
SEED = int(os.environ.get("IQC_FUZZ_SEED") or random.randrange(1_000_000))
SHOWN_FAILURES = 200


class TestFuzzAPI(IQCTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.endpoints = discover()
		cls.scene = fuzz_scene.Scene(started=now_datetime())
		# Removed even when planting fails halfway: the requests made it on their own connections.
		cls.addClassCleanup(fuzz_scene.remove, cls.scene)
		fuzz_scene.plant(cls.scene)

	def test_every_method_answers_every_caller_properly(self):
		self.assertGreater(len(self.endpoints), 50, "the app's whitelisted methods were found")
		maker = ArgumentMaker(SEED, self.scene.ids)
		failures, statuses, spent = [], Counter(), Counter()
		started = time.monotonic()
		for endpoint in self.endpoints:
			for role in fuzz_scene.ROLES:
				for _case in range(self.cases_for(endpoint, role)):
					begun = time.monotonic()
					args, response = self.call(maker, endpoint, role)
					spent[endpoint.path] += time.monotonic() - begun
					statuses[response.status_code] += 1
					if problem := self.problem(role, response):
						failures.append(
							f"{role} {endpoint.path}({short(args)}) → {response.status_code}: {problem}"
						)
		calls = sum(statuses.values())
		print(
			f"\nAPI fuzz (seed {SEED}, {CASES} cases): {len(self.endpoints)} methods, {calls} calls in "
			f"{time.monotonic() - started:.0f} s; statuses {dict(sorted(statuses.items()))}; slowest: "
			+ ", ".join(
				f"{path.rsplit('.', 2)[-2:]} {seconds:.1f} s" for path, seconds in spent.most_common(3)
			)
		)
		if failures:
			self.fail(
				f"{len(failures)} bad answers (IQC_FUZZ_SEED={SEED} replays them):\n"
				+ "\n".join(failures[:SHOWN_FAILURES])
			)

	def cases_for(self, endpoint: Endpoint, role: str) -> int:
		# A guest or a visitor is refused before any argument is read by a method not open to guests.
		return CASES if endpoint.guest or role in ("operator", "supervisor") else 1

	# --- one call as a browser makes it -------------------------------------------------------------

	def call(self, maker: ArgumentMaker, endpoint: Endpoint, role: str):
		visitor_args = self.scene.visitor if role == "visitor" else None
		args = maker.arguments(endpoint, visitor_args)
		url = f"/api/method/{endpoint.path}"
		# Each call from its own address: the rate limits must not hide what a method does.
		headers = {
			"X-Forwarded-For": f"10.{maker.random.randrange(256)}.{maker.random.randrange(256)}.{maker.random.randrange(1, 255)}",
			"Accept": "application/json",
		}
		client = get_test_client()
		if sid := self.scene.sessions.get(role):
			client.set_cookie("sid", sid)
		kwargs = {"headers": headers}
		encoding = maker.encoding(endpoint)
		if encoding == "query":
			url += "?" + urlencode(as_form(args))
		elif encoding == "json":
			kwargs["data"] = json.dumps(args)
			kwargs["content_type"] = "application/json"
		else:
			kwargs["data"] = as_form(args)
			if endpoint.uploads and (upload := maker.upload()):
				kwargs["data"]["file"] = (io.BytesIO(upload[0]), upload[1])
		verb = endpoint.verb.lower()
		# Frappe prints the traceback of every refusal it answers; thousands of them would bury the result.
		with contextlib.redirect_stdout(io.StringIO()):
			response = make_request(target=getattr(client, verb), args=(url,), kwargs=kwargs)
		return args, response

	# --- what an answer must be -------------------------------------------------------------------

	def problem(self, role: str, response) -> str | None:
		body = response.get_data(as_text=True)
		for secret in self.scene.forbidden(role):
			if secret in body:
				return f"the answer carries {secret[:8]}…, which a {role} may not read"
		if response.status_code >= 500:
			return f"server error: {exception_of(body)}"
		if response.status_code >= 400 and not human_message(body):
			return f"a refusal without a message a person can read: {exception_of(body)}"
		return None


def parsed(body: str) -> dict:
	try:
		answer = json.loads(body)
	except ValueError:
		return {}
	return answer if isinstance(answer, dict) else {}


def human_message(body: str) -> str | None:
	"""The first message the answer shows a person (Frappe's `_server_messages`), if a readable one."""
	try:
		messages = json.loads(parsed(body).get("_server_messages") or "[]")
	except ValueError:
		return None
	for message in messages:
		text = parsed(message).get("message") if isinstance(message, str) else None
		if isinstance(text, str) and text.strip() and "Traceback" not in text:
			return text
	return None


def exception_of(body: str) -> str:
	answer = parsed(body)
	return str(answer.get("exception") or answer.get("exc_type") or body[:200])[:300]
