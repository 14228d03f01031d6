"""The Clients view at scale, on a real site: a line of N clients (100,000 by default) and N/5
companies, timed through the view's read model as the operator's requests run it.

Writes, straight into the tables, one line with one operator, N clients (every fifth without a
company, the others spread over the companies, each with an INN), one conversation each in the line
with its last message spread over the last 90 days, 200 of them held by the operator and 300 clients
in the operator's list (50 favourites); companies only when the site has IQC Company. Then times the
first page of the whole list (ordered by the last message), the large list (the relevant clients
within 60 days) and search as you type (a name fragment, a client ID's start, a company INN's start):
target 100 ms each, the median of --repeat runs. Everything it writes is deleted at the end.

	cd ~/frappe-bench/sites && ../env/bin/python /path/to/iqchannels/benchmarks/clients_directory.py --site SITE [--clients 2000]
"""

import argparse
import random
import time
from datetime import timedelta

import frappe
from bulk_rows import insert, remove_floor, timed, write_floor
from frappe.utils import now_datetime

TARGET_MS = 100


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--clients", type=int, default=100_000)
	parser.add_argument("--repeat", type=int, default=15)
	args = parser.parse_args()
	frappe.init(site=args.site)
	frappe.connect()
	frappe.set_user("Administrator")
	prefix = f"cdir-{frappe.generate_hash(length=6)}"
	try:
		started = time.perf_counter()
		floor = write(prefix, args.clients)
		frappe.db.commit()
		print(
			f"wrote {args.clients} clients, {floor['companies']} companies in {time.perf_counter() - started:.1f} s"
		)
		measure(floor, args.repeat)
	finally:
		cleanup(prefix)
		frappe.db.commit()
		frappe.destroy()


def write(prefix: str, clients: int) -> dict:
	rng = random.Random(15)
	now = now_datetime()
	channel = f"{prefix}-channel"
	user, line = write_floor(prefix, {channel: "API"}, relevance_days=60)
	companies = [(f"{prefix}-company {i:05}", f"77{i:08}") for i in range(clients // 5)]
	insert("IQC Company", ["name", "company_name", "inn"], ((n, n, inn) for n, inn in companies))
	first = insert(
		"IQC Client",
		["full_name", "customer_id", "email", "company", "inn", "client_type"],
		(
			(
				f"{prefix}-client {rng.choice(NAMES)} {i:06}",
				f"{prefix}-login-{i:06}",
				f"c{i}@{prefix}.example",
				companies[i % len(companies)][0] if companies and i % 5 else None,
				None,
				"Identified",
			)
			for i in range(clients)
		),
	)
	names = [str(n) for n in range(first, first + clients)]
	held = set(rng.sample(names, min(200, clients)))
	insert(
		"IQC Conversation",
		[
			"client",
			"client_name",
			"channel",
			"line",
			"status",
			"operator",
			"opened_at",
			"last_message_at",
			"last_message_preview",
		],
		(
			(
				name,
				f"client {name}",
				channel,
				line,
				"Closed" if name not in held else "Open",
				user if name in held else None,
				now - timedelta(days=90),
				now - timedelta(minutes=rng.randint(1, 90 * 24 * 60)),
				"Hello",
			)
			for name in names
		),
	)
	kept = rng.sample(names, min(300, clients))
	insert(
		"IQC Client List Entry",
		["operator", "client", "favourite", "added_at"],
		((user, name, int(i < 50), now - timedelta(days=rng.randint(0, 89))) for i, name in enumerate(kept)),
	)
	return {
		"user": user,
		"line": line,
		"channel": channel,
		"companies": len(companies),
		"company_inn": companies[len(companies) // 2][1][:7] if companies else None,
		"login": f"{prefix}-login-000421",
	}


NAMES = ["Ivanov", "Petrova", "Smirnov", "Kuznetsova", "Popov", "Sokolova", "Lebedev", "Kozlova"]


def measure(floor: dict, repeat: int) -> None:
	from iqchannels.views import clients_directory as directory

	user, line = floor["user"], floor["line"]
	frappe.set_user(user)
	print(f"median of {repeat} runs, target {TARGET_MS} ms each:")
	cases = [
		(
			"first page of the whole list",
			lambda: directory.line_clients(line, 0, 50)[0],
			lambda r: f"{len(r)} clients",
		),
		(
			"the Clients view (large list)",
			lambda: directory.clients_view(line, user),
			lambda r: f"mode {r['mode']}, {len(r['rows'])} rows",
		),
		("search: name fragment 'kuzn'", lambda: directory.search(line, "kuzn"), lambda r: f"{len(r)} found"),
		(
			"search: a client ID's start",
			lambda: directory.search(line, floor["login"][:-1]),
			lambda r: f"{len(r)} found",
		),
	]
	if floor["company_inn"]:
		cases.append(
			(
				"search: a company INN's start",
				lambda: directory.search(line, floor["company_inn"]),
				lambda r: f"{len(r)} found",
			)
		)
	cases.append(
		("search: nobody matches", lambda: directory.search(line, "zzqx"), lambda r: f"{len(r)} found")
	)
	for label, fn, note in cases:
		ms, result = timed(fn, repeat)
		verdict = "ok" if ms <= TARGET_MS else f"over the {TARGET_MS} ms target"
		print(f"  {label:<36} {ms:8.1f} ms   {verdict}   ({note(result)})")
	frappe.set_user("Administrator")


def cleanup(prefix: str) -> None:
	line, user = f"{prefix}-line", f"{prefix}-operator@bench.test"
	frappe.db.sql("delete from `tabIQC Client List Entry` where operator=%s", user)
	frappe.db.sql("delete from `tabIQC Conversation` where line=%s", line)
	frappe.db.sql("delete from `tabIQC Client` where full_name like %s", f"{prefix}-client%")
	if frappe.db.table_exists("IQC Company"):
		frappe.db.sql("delete from `tabIQC Company` where name like %s", f"{prefix}-company%")
	remove_floor(prefix, [f"{prefix}-channel"])


if __name__ == "__main__":
	main()
