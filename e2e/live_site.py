"""What the tests of a running site share: a Frappe connection of the test's own for setting up and
checking, RQ workers the test starts, kills and stops itself, a second database connection that holds
row locks (to catch a distribution in the middle of its run), and signed posts to the inbound API.

The site's web server must be running (`e2e/run` starts it); its scheduler must not be, so that
nothing but the triggers themselves distributes.
"""

import hashlib
import hmac
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import frappe
import pymysql
import requests

SITE = os.environ["IQC_SITE"]
URL = os.environ["IQC_SITE_URL"]
BENCH = Path(os.environ.get("IQC_BENCH_DIR", Path.home() / "frappe-bench"))
SITES = BENCH / "sites"
LOGS = Path(__file__).parent / "artifacts" / "logs"


def connect() -> None:
	os.chdir(SITES)
	frappe.init(site=SITE, sites_path=str(SITES))
	frappe.connect()
	frappe.set_user("Administrator")


def fresh() -> None:
	"""End this connection's transaction, so that the next read sees what others committed."""
	frappe.db.rollback()


def setup_floor(operators: int, slots: int, status: str = "Active", first_name: str = "Live"):
	"""A line of `operators` operators with `slots` each and an API channel with a known secret."""
	from iqchannels.tests.factories import make_channel, make_line, make_operator

	users = [
		make_operator(status=status, slots=slots, first_name=f"{first_name}{i}") for i in range(operators)
	]
	line = make_line(users)
	secret = frappe.generate_hash(length=32)
	channel = make_channel(line, "API", secret=secret)
	frappe.db.commit()
	return line, channel.name, secret, users


def settle(timeout: float = 30) -> None:
	"""Wait until the site's workers have nothing queued or running: the desk's own jobs for the users
	a setup just made (a contact each, a gravatar lookup) would otherwise hold up what a test times."""
	from frappe.utils.background_jobs import get_queue

	queues = [get_queue(name) for name in ("short", "default")]
	busy = lambda: any(q.count or q.started_job_registry.count for q in queues)  # noqa: E731
	wait_until(lambda: not busy(), timeout)


def post(path: str, body: dict, secret: str, session=requests) -> requests.Response:
	raw = json.dumps(body).encode()
	signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
	return session.post(
		f"{URL}/api/method/{path}",
		data=raw,
		headers={"Content-Type": "application/json", "X-IQChannels-Signature": signature},
		timeout=60,
	)


def client_message(channel: str, secret: str, client: str, text: str = "Hello", message_id=None):
	body = {"channel": channel, "client": {"id": client, "full_name": client}, "text": text}
	if message_id:
		body["message_id"] = message_id
	return post("iqchannels.api.inbound.message", body, secret)


def conversations(line: str) -> list:
	fresh()
	return frappe.get_all(
		"IQC Conversation",
		filters={"line": line},
		fields=["name", "status", "operator", "opened_at", "assigned_at"],
		order_by="name asc",
	)


def wait_until(condition, timeout: float, step: float = 0.05):
	"""Poll `condition` until it returns something true; returns it, or the last value at the timeout."""
	deadline = time.monotonic() + timeout
	while True:
		value = condition()
		if value or time.monotonic() > deadline:
			return value
		time.sleep(step)


class Workers:
	"""RQ workers of the site's queues, started as `bench worker` starts them."""

	def __init__(self):
		self.processes: list[subprocess.Popen] = []
		LOGS.mkdir(parents=True, exist_ok=True)

	def start(self) -> subprocess.Popen:
		log = open(LOGS / f"live-worker-{len(self.processes)}.log", "w")
		process = subprocess.Popen(
			[
				str(BENCH / "env/bin/python"),
				"-m",
				"frappe.utils.bench_helper",
				"frappe",
				"worker",
				"--queue",
				"short,default",
			],
			cwd=SITES,
			stdout=log,
			stderr=subprocess.STDOUT,
		)
		self.processes.append(process)
		return process

	def kill(self, process: subprocess.Popen) -> None:
		"""As the out-of-memory killer does: no chance to clean up."""
		process.send_signal(signal.SIGKILL)
		process.wait()

	def stop(self) -> None:
		for process in self.processes:
			if process.poll() is None:
				process.terminate()
		for process in self.processes:
			try:
				process.wait(timeout=20)
			except subprocess.TimeoutExpired:
				process.kill()
		self.processes = []


class RowLock:
	"""A connection of its own holding a conversation's row, as a slow transaction would: a
	distribution that reaches that conversation waits there, in the middle of its run."""

	def __init__(self):
		config = frappe.get_site_config()
		self.db = pymysql.connect(
			host=config.get("db_host") or "127.0.0.1",
			port=int(config.get("db_port") or 3306),
			user=config.get("db_user") or config["db_name"],
			password=config["db_password"],
			database=config["db_name"],
			autocommit=False,
		)

	def hold(self, conversation) -> None:
		with self.db.cursor() as cursor:
			cursor.execute(
				"select name from `tabIQC Conversation` where name=%s for update", str(conversation)
			)

	def release(self) -> None:
		self.db.rollback()

	def distribution_waits(self) -> bool:
		"""Whether a distribution is stuck on the held row, writing an assignment."""
		with self.db.cursor() as cursor:
			cursor.execute(
				"""select count(*) from information_schema.processlist
				where info like 'update `tabIQC Conversation`%%set status=''Open''%%'"""
			)
			return cursor.fetchone()[0] > 0

	def close(self) -> None:
		self.db.close()
