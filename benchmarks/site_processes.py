"""What a production bench runs for a site, as command lines the benchmarks start themselves: the web
server (gunicorn, as `bench setup supervisor` writes it) and an RQ worker.

Imported by the benchmark scripts beside it (a script's own folder is on Python's path)."""

from pathlib import Path


def web_server(bench: Path, port: int, workers: int) -> list[str]:
	return [
		str(bench / "env/bin/gunicorn"),
		"-b",
		f"127.0.0.1:{port}",
		"-w",
		str(workers),
		"-t",
		"120",
		"--graceful-timeout",
		"5",
		"frappe.app:application",
		"--preload",
	]


def rq_worker(bench: Path, queues: str = "short,default") -> list[str]:
	return [
		str(bench / "env/bin/python"),
		"-m",
		"frappe.utils.bench_helper",
		"frappe",
		"worker",
		"--queue",
		queues,
	]
