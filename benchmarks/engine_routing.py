"""Engine decision time: how long the routing engine takes per decision.

Plans the assignment of a queue of 10,000 conversations (some returning clients with a previous
operator, some VIP) over 100, 1,000 and 10,000 operators of mixed statuses and loads, and prints the
time per decision (one queued conversation considered) and per assignment made.

	python3 benchmarks/engine_routing.py [--queue 10000] [--repeat 5]
"""

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from iqchannels.engine.routing import OperatorState, QueuedConversation, StickyPolicy, plan_assignments  # noqa: E402

NOW = datetime(2026, 11, 23, 12, 0)


def floor(operators: int, queue: int, seed: int = 7):
	rng = random.Random(seed)
	statuses = ["Active"] * 7 + ["Away", "Break", "Offline"]
	ops = [
		OperatorState(
			f"op{i:05d}",
			rng.choice(statuses),
			slots=rng.choice([3, 5, 8]),
			load=rng.randint(0, 3),
			last_assigned_at=NOW - timedelta(seconds=rng.randint(0, 86_400)),
		)
		for i in range(operators)
	]
	conversations = [
		QueuedConversation(
			f"c{i:06d}",
			priority=1000 if rng.random() < 0.05 else 0,
			waiting_since=NOW - timedelta(seconds=rng.randint(0, 3_600)),
			previous_operator=f"op{rng.randrange(operators):05d}" if rng.random() < 0.3 else None,
			previous_closed_at=NOW - timedelta(hours=rng.randint(0, 48)),
		)
		for i in range(queue)
	]
	return ops, conversations


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--queue", type=int, default=10_000)
	parser.add_argument("--repeat", type=int, default=5)
	parser.add_argument("--operators", type=int, nargs="*", default=[100, 1_000, 10_000])
	args = parser.parse_args()

	print(f"queue of {args.queue:,} conversations, best of {args.repeat} runs")
	print(f"{'operators':>10} {'assigned':>9} {'total ms':>9} {'µs/decision':>12} {'µs/assignment':>14}")
	for count in args.operators:
		ops, queue = floor(count, args.queue)
		runs, plan = [], []
		for _ in range(args.repeat):
			start = time.perf_counter()
			plan = plan_assignments(queue, ops, now=NOW, sticky=StickyPolicy())
			runs.append(time.perf_counter() - start)
		best = min(runs)
		per_decision = best / len(queue) * 1e6
		per_assignment = best / max(len(plan), 1) * 1e6
		print(
			f"{count:>10,} {len(plan):>9,} {best * 1e3:>9.1f} {per_decision:>12.2f} {per_assignment:>14.2f}"
		)
		print(f"{'':>10} median of runs: {statistics.median(runs) * 1e3:.1f} ms")


if __name__ == "__main__":
	main()
