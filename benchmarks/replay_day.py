"""What-if replay speed: how long replaying real arrivals with a staffing plan takes.

One line's day of 10,000 conversations with 100 operators (target: at most 1 s), and 30 days of
300,000 conversations (target: at most 30 s). The arrivals follow a working day's curve (quiet nights,
a peak around noon), handling times are spread around 15 minutes, a fifth of the clients give up after
a few minutes when not answered, a third come back to a recent operator (sticky routing). The 100
operators work 8-hour shifts with 3 slots each, a fifth of them round the clock and the rest starting
between 06:00 and 14:00, so that queues form at the peak. Prints seconds, conversations per second and the replayed day's figures.

	python3 benchmarks/replay_day.py [--small] [--repeat 3] [--full]
"""

import argparse
import math
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from iqchannels.engine.replay import Arrival, LineSetup, OperatorShift, Staffing, _Replay, replay  # noqa: E402
from iqchannels.engine.routing import StickyPolicy  # noqa: E402

DAY = datetime(2026, 3, 2)
LINE = LineSetup("support", timedelta(minutes=2))


def arrivals(days: int, per_day: int, operators: int, seed: int = 17) -> list[Arrival]:
	rng = random.Random(seed)
	# Relative rate by hour: a working day's curve peaking at 12:00, a tenth of it at night.
	weights = [0.1 + math.exp(-(((hour + 0.5) - 12.5) ** 2) / 18) for hour in range(24)]
	total = sum(weights)
	result = []
	for day in range(days):
		midnight = DAY + timedelta(days=day)
		for hour, weight in enumerate(weights):
			for _ in range(round(per_day * weight / total)):
				at = midnight + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
				returning = rng.random() < 0.33
				result.append(
					Arrival(
						name=f"c{len(result):07d}",
						line=LINE.name,
						arrived_at=at,
						handling=timedelta(seconds=rng.lognormvariate(math.log(450), 0.6)),
						priority=1000 if rng.random() < 0.03 else 0,
						patience=timedelta(seconds=rng.expovariate(1 / 300)) if rng.random() < 0.2 else None,
						previous_operator=f"op{rng.randrange(operators):03d}" if returning else None,
						previous_closed_at=at - timedelta(hours=rng.uniform(1, 30)) if returning else None,
					)
				)
	return result


def shifts(operators: int, days: int) -> Staffing:
	plan = []
	for i in range(operators):
		# A fifth of the team covers the clock; the rest starts between 06:00 and 14:00.
		night = operators // 5
		begin = timedelta(hours=24 * i / night if i < night else 6 + 8 * (i - night) / (operators - night))
		active = tuple(
			(DAY + timedelta(days=d) + begin, DAY + timedelta(days=d) + begin + timedelta(hours=8))
			for d in range(days)
		)
		plan.append(OperatorShift(f"op{i:03d}", (LINE.name,), 3, active))
	return Staffing(shifts=tuple(plan))


def run(days: int, per_day: int, operators: int, repeat: int, full: bool):
	data = arrivals(days, per_day, operators)
	staffing = shifts(operators, days)
	end = DAY + timedelta(days=days)
	best, result = math.inf, None
	for _ in range(repeat):
		began = time.perf_counter()
		if full:
			result = _Replay(data, staffing, [LINE], DAY, end, StickyPolicy(), pruned=False).run()
		else:
			result = replay(data, staffing, [LINE], DAY, end)
		best = min(best, time.perf_counter() - began)
	t = result.total
	print(
		f"{days:>4} {len(data):>9,} {operators:>9} {best:>8.3f} {len(data) / best:>10,.0f}"
		f" {t.answered:>9,} {t.abandoned:>9,} {t.wait_avg:>8.1f} {t.wait_p90:>8.1f} {t.within_target:>6.1%}"
		f" {t.occupancy:>6.1%}"
	)


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--small", action="store_true", help="a tenth of the sizes, one run (for CI)")
	parser.add_argument("--repeat", type=int, default=3)
	parser.add_argument("--full", action="store_true", help="give plan_assignments the whole queue and floor")
	args = parser.parse_args()
	scale, repeat = (10, 1) if args.small else (1, args.repeat)
	print(f"replay of one line, best of {repeat} run(s){', full inputs' if args.full else ''}")
	print(
		f"{'days':>4} {'arrivals':>9} {'operators':>9} {'seconds':>8} {'conv/s':>10}"
		f" {'answered':>9} {'abandoned':>9} {'wait avg':>8} {'wait p90':>8} {'SLA':>6} {'occup':>6}"
	)
	run(1, 10_000 // scale, 100 // scale, repeat, args.full)
	run(30, 10_000 // scale, 100 // scale, 1 if args.small else 1, args.full)
	print(
		"targets: 10,000 conversations / 100 operators in at most 1 s; 300,000 over 30 days in at most 30 s"
	)


if __name__ == "__main__":
	main()
