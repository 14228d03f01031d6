"""Frappe's multi-server shape on one machine: process groups that each play one host of a site.

A group is what one host of a production bench runs: gunicorn serving the site on its own port,
Frappe's socket.io server (`node apps/frappe/socketio.js`, its port taken from FRAPPE_SOCKETIO_PORT)
on its own port, RQ workers of the site's queues and, on one host only, the scheduler. Every group
shares the bench's MariaDB, its Redis (cache, queue, and the `events` channel every socket.io server
relays to its sockets) and the sites folder.

Frappe's scheduler holds a lock file in the bench's `config/` folder for as long as it runs: a second
scheduler started from the same bench gives up at once. On several hosts that file is not shared, so
exactly one host is given the scheduler.

RQ's queues are the bench's, named after its bench id, so a worker takes the jobs of every site of
the bench. On a bench that other people's sites share, `IQC_SERVERS_BENCH_ID` gives this site queues
of its own for the length of the run: the id goes into the site's config (its web servers enqueue
there), and the workers and the scheduler run from a sites folder of their host holding only this
site (a link to it) and a common config with the same id, as a worker host that serves one site would.

	with Group("a", 8071, 9071, scheduler=True) as a, Group("b", 8072, 9072) as b:
		requests.post(f"{a.url}/api/method/...")
"""

import json
import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import requests

SITE = os.environ["IQC_SITE"]
BENCH = Path(os.environ.get("IQC_BENCH_DIR", Path.home() / "frappe-bench"))
SITES = BENCH / "sites"
LOGS = Path(__file__).parent / "artifacts" / "logs"
PYTHON = str(BENCH / "env/bin/python")
# Two gunicorn workers a host: enough for requests to overlap on each, little for a small machine.
WEB_WORKERS = int(os.environ.get("IQC_SERVERS_WEB_WORKERS", "2"))
OWN_BENCH_ID = os.environ.get("IQC_SERVERS_BENCH_ID")


class Group:
	"""One host's processes, started together and stopped together."""

	def __init__(self, name: str, web_port: int, socketio_port: int, workers: int = 1, scheduler=False):
		self.name, self.web_port, self.socketio_port = name, web_port, socketio_port
		self.worker_count, self.with_scheduler = workers, scheduler
		self.processes: dict[str, subprocess.Popen] = {}
		LOGS.mkdir(parents=True, exist_ok=True)

	@property
	def url(self) -> str:
		return f"http://{SITE}:{self.web_port}"

	@property
	def socketio_url(self) -> str:
		return f"http://{SITE}:{self.socketio_port}"

	def __enter__(self):
		self.start()
		return self

	def __exit__(self, *_exc):
		self.stop()

	def start(self) -> None:
		for port in (self.web_port, self.socketio_port):
			if listening(port):
				raise RuntimeError(f"port {port} is taken: host {self.name} cannot start")
		self.spawn(
			"web",
			[
				str(BENCH / "env/bin/gunicorn"),
				"--bind",
				f"127.0.0.1:{self.web_port}",
				"--workers",
				str(WEB_WORKERS),
				"--timeout",
				"120",
				"--preload",
				"frappe.app:application",
			],
			cwd=SITES,
		)
		self.spawn(
			"socketio",
			["node", "apps/frappe/socketio.js"],
			cwd=BENCH,
			env={"FRAPPE_SOCKETIO_PORT": str(self.socketio_port)},
		)
		jobs_sites = self.own_sites_folder() if OWN_BENCH_ID else SITES
		for i in range(self.worker_count):
			self.spawn(
				f"worker-{i}",
				[PYTHON, "-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", "short,default"],
				cwd=jobs_sites,
			)
		if self.with_scheduler:
			command = [PYTHON, "-m", "frappe.utils.bench_helper", "frappe", "schedule"]
			self.spawn("scheduler", command, cwd=jobs_sites)
		self.wait_ready()

	def own_sites_folder(self) -> Path:
		"""This host's sites folder: the bench's common config with the site's own bench id, and the
		site itself, linked (shared, as a network file system shares it between hosts)."""
		folder = LOGS.parent / f"host-{self.name}-sites"
		folder.mkdir(parents=True, exist_ok=True)
		common = json.loads((SITES / "common_site_config.json").read_text())
		(folder / "common_site_config.json").write_text(json.dumps({**common, "bench_id": OWN_BENCH_ID}))
		for name in ("apps.txt", "apps.json", SITE):
			link = folder / name
			if (SITES / name).exists() and not link.exists():
				link.symlink_to(SITES / name)
		return folder

	def spawn(self, role: str, command: list[str], cwd: Path, env: dict | None = None) -> None:
		log = open(self.log_path(role), "w")
		# Without CI: Frappe's jobs take CI=true for a test run and then behave unlike production.
		environment = {k: v for k, v in os.environ.items() if k != "CI"}
		self.processes[role] = subprocess.Popen(
			command,
			cwd=cwd,
			env={**environment, **(env or {})},
			stdout=log,
			stderr=subprocess.STDOUT,
			start_new_session=True,
		)

	def log_path(self, role: str) -> Path:
		return LOGS / f"host-{self.name}-{role}.log"

	def wait_ready(self, timeout: float = 90) -> None:
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			for role, process in self.processes.items():
				if process.poll() is not None and role != "scheduler":
					raise RuntimeError(f"host {self.name}: {role} exited; see {self.log_path(role)}")
			if web_answers(self.url) and listening(self.socketio_port):
				return
			time.sleep(0.5)
		raise RuntimeError(f"host {self.name} did not start within {timeout} s; see {LOGS}")

	def worker_pids(self) -> list[int]:
		return [p.pid for role, p in self.processes.items() if role.startswith("worker")]

	def jobs_run(self, method: str) -> int:
		"""How many jobs of `method` for this site this host's workers have started (from their logs)."""
		count = 0
		for role in self.processes:
			if role.startswith("worker"):
				text = self.log_path(role).read_text(errors="replace")
				count += sum(1 for line in text.splitlines() if names_job(line, method))
		return count

	def stop(self) -> None:
		for process in self.processes.values():
			if process.poll() is None:
				os.killpg(process.pid, signal.SIGTERM)
		for process in self.processes.values():
			try:
				process.wait(timeout=20)
			except subprocess.TimeoutExpired:
				os.killpg(process.pid, signal.SIGKILL)
				process.wait()
		self.processes = {}


@contextmanager
def own_queues():
	"""With IQC_SERVERS_BENCH_ID set: the site's jobs go to queues of their own while inside."""
	if not OWN_BENCH_ID:
		yield
		return
	set_site_config("bench_id", OWN_BENCH_ID)
	try:
		yield
	finally:
		set_site_config("bench_id", None)


def set_site_config(key: str, value) -> None:
	path = SITES / SITE / "site_config.json"
	config = json.loads(path.read_text())
	if value is None:
		config.pop(key, None)
	else:
		config[key] = value
	path.write_text(json.dumps(config, indent=1, sort_keys=True))


def names_job(line: str, method: str) -> bool:
	"""A worker's log line of a job started: RQ writes its call string with the keyword arguments."""
	return "execute_job(" in line and f"'{method}'" in line and f"'{SITE}'" in line


def web_answers(url: str) -> bool:
	try:
		return requests.get(f"{url}/api/method/ping", timeout=5).ok
	except requests.RequestException:
		return False


def listening(port: int) -> bool:
	with socket.socket() as probe:
		probe.settimeout(0.5)
		return probe.connect_ex(("127.0.0.1", port)) == 0
