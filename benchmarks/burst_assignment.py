"""How long a client waits for an operator when many write at once: the time from each message to its
assignment, on a running site with real RQ workers and no scheduler.

	IQC_SITE=SITE IQC_SITE_URL=http://SITE:PORT ~/frappe-bench/env/bin/python benchmarks/burst_assignment.py \\
		--bursts 20 --clients 30 --at-a-time 6

needs the site's web server running (as `e2e/run` starts it) and starts `--workers` RQ workers itself.
Each burst is a fresh line of 3 Active operators with 10 slots and `--clients` new clients writing
through the signed inbound API, `--at-a-time` at once. Prints the median, 90th and 95th percentiles and
the maximum, from the conversations' own times (opened, assigned) on the server.
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))

import live_site as live  # noqa: E402
from test_wakeups import burst  # noqa: E402


def percentile(values: list[float], share: float) -> float:
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main():
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	parser.add_argument("--bursts", type=int, default=20)
	parser.add_argument("--clients", type=int, default=30)
	parser.add_argument("--at-a-time", type=int, default=6)
	parser.add_argument("--workers", type=int, default=1)
	args = parser.parse_args()
	live.connect()
	workers = live.Workers()
	for _ in range(args.workers):
		workers.start()
	try:
		delays, unassigned = [], 0
		for n in range(args.bursts):
			assigned, _loads = burst(f"Bench{n}", args.clients, args.at_a_time)
			delays += assigned
			unassigned += args.clients - len(assigned)
	finally:
		workers.stop()
	ms = [d * 1000 for d in delays]
	print(
		f"{args.bursts} bursts of {args.clients} clients ({args.at_a_time} at a time), {args.workers} worker(s): "
		f"message to assignment median {statistics.median(ms):.0f} ms, p90 {percentile(ms, 0.9):.0f} ms, "
		f"p95 {percentile(ms, 0.95):.0f} ms, max {max(ms):.0f} ms; not assigned within 5 s: {unassigned}"
	)


if __name__ == "__main__":
	main()
