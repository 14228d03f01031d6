"""A busy PBX on a real site: Mango Office's call events posted through Frappe's own request handling
(the WSGI application a web server runs, in this process: no network in the figures), timed one by one.

Writes one line of --operators operators with phone extensions and a Mango Office channel, then posts
--calls calls of five events each, in the shapes and with the signatures Mango Office sends:

- 60 % inbound calls answered (Appeared, Connected, Disconnected, the summary, the recording ready);
- 20 % inbound calls missed at two extensions in turn (each becomes a callback request in the queue);
- 20 % outbound calls (an operator dials a client: Appeared, Connected, Disconnected, summary, recording).

Numbers repeat (half as many numbers as calls), so the first call of a number makes its client and the
next finds them. --processes processes post at once, each its own share of the calls, as a PBX posts
several calls' events at a time. Prints the median, 95th percentile and maximum per event, by kind, the
events a minute the processes ingested together, and checks that every call came out as posted (one row
per call, its state, a callback request per missed call). Everything it writes is deleted at the end.

	cd ~/frappe-bench/sites && ../env/bin/python /path/to/iqchannels/benchmarks/call_events.py --site SITE
"""

import argparse
import json
import multiprocessing
import random
import statistics
import time
from collections import defaultdict

import frappe
from bulk_rows import remove_floor, write_floor

TARGET_MS = 15
LINE_NUMBER = "74951234567"
MANGO = "/api/method/iqchannels.api.telephony.mango/"


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--calls", type=int, default=2000, help="five events each")
	parser.add_argument("--operators", type=int, default=20)
	parser.add_argument("--processes", type=int, default=2)
	args = parser.parse_args()

	prefix = f"calls-{frappe.generate_hash(length=6)}"
	connect(args.site)
	try:
		channel = write_site(prefix, args.operators)
		frappe.db.commit()
		calls = plan_calls(prefix, args.calls, args.operators)
		frappe.destroy()
		shares = [calls[i :: args.processes] for i in range(args.processes)]
		started = time.perf_counter()
		with multiprocessing.get_context("spawn").Pool(args.processes) as pool:
			results = pool.starmap(post_calls, [(args.site, channel, share) for share in shares])
		elapsed = time.perf_counter() - started
		report(results, elapsed)
		connect(args.site)
		problems = check(channel, calls)
	finally:
		connect(args.site)
		cleanup(prefix, args.operators)
		frappe.destroy()
	if problems:
		raise SystemExit("\n".join(problems))


def connect(site: str) -> None:
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")


def write_site(prefix: str, operators: int) -> str:
	"""The line's operators (extensions 100, 101, ...) and the Mango Office channel; returns the channel."""
	from frappe.utils.password import set_encrypted_password

	channel = f"{prefix}-pbx"
	write_floor(prefix, {channel: "Phone"}, phone_extension=extension(0))
	for i in range(1, operators):
		write_floor(f"{prefix}-{i}", {}, phone_extension=extension(i))
	frappe.db.set_value(
		"IQC Channel",
		channel,
		{"enabled": 1, "pbx_type": "Mango Office", "pbx_api_key": f"{prefix}-key", "phone_region": "RU"},
	)
	set_encrypted_password("IQC Channel", channel, f"{prefix}-salt", "secret")
	return channel


def extension(i: int) -> str:
	return str(100 + i)


def plan_calls(prefix: str, count: int, operators: int) -> list[dict]:
	"""What each call is: its id, kind, client number and operators' extensions."""
	rng = random.Random(7)
	numbers = [f"7916{n:07d}" for n in rng.sample(range(10**7), max(1, count // 2))]
	kinds = rng.choices(["answered", "missed", "outbound"], weights=[60, 20, 20], k=count)
	return [
		{
			"entry": f"{prefix}-{i}",
			"kind": kind,
			"number": rng.choice(numbers),
			"ext": extension(rng.randrange(operators)),
			"other_ext": extension(rng.randrange(operators)),
			"at": int(time.time()) - 3600 + i,
		}
		for i, kind in enumerate(kinds)
	]


def events_of(call: dict) -> list[tuple[str, dict]]:
	"""A call's five notifications, as Mango Office posts them (see channels/phone.py)."""
	entry, at, client = call["entry"], call["at"], {"number": call["number"]}
	inbound = call["kind"] != "outbound"

	def leg(leg_id, seq, state, offset, ext, **extra):
		office = {"extension": ext, "line_number": LINE_NUMBER}
		caller, called = (client, office) if inbound else ({"extension": ext}, client)
		return (
			"events/call",
			{
				"entry_id": entry,
				"call_id": leg_id,
				"timestamp": at + offset,
				"seq": seq,
				"call_state": state,
				"location": "abonent",
				"from": caller,
				"to": called,
				**extra,
			},
		)

	def summary(talk, end, result):
		caller, called = (
			(client, {"extension": call["ext"]}) if inbound else ({"extension": call["ext"]}, client)
		)
		return (
			"events/summary",
			{
				"entry_id": entry,
				"call_direction": 1 if inbound else 2,
				"from": caller,
				"to": called,
				"line_number": LINE_NUMBER,
				"create_time": at,
				"forward_time": at + 2,
				"talk_time": talk,
				"end_time": end,
				"entry_result": result,
				"disconnect_reason": 1110,
			},
		)

	recording = (
		"events/recording",
		{
			"entry_id": entry,
			"recording_id": f"{entry}-rec",
			"recording_state": "Completed",
			"completion_code": 1000,
			"timestamp": at + 80,
		},
	)
	if call["kind"] == "missed":
		return [
			leg(f"{entry}-a", 1, "Appeared", 0, call["ext"]),
			leg(f"{entry}-a", 2, "Disconnected", 20, call["ext"], disconnect_reason=1110),
			leg(f"{entry}-b", 1, "Appeared", 20, call["other_ext"]),
			leg(f"{entry}-b", 2, "Disconnected", 40, call["other_ext"], disconnect_reason=1110),
			summary(0, at + 40, 0),
		]
	return [
		leg(f"{entry}-a", 1, "Appeared", 0, call["ext"]),
		leg(f"{entry}-a", 2, "Connected", 10, call["ext"]),
		leg(f"{entry}-a", 3, "Disconnected", 70, call["ext"], disconnect_reason=1110),
		summary(at + 10, at + 70, 1),
		recording,
	]


def post_calls(site: str, channel: str, calls: list[dict]) -> dict[str, list[float]]:
	"""Post the calls' events in order through the WSGI application; seconds per event, by kind."""
	from frappe.app import application
	from werkzeug.test import Client

	from iqchannels.channels.phone import mango_sign

	connect(site)
	doc = frappe.get_doc("IQC Channel", channel)
	key, salt = doc.pbx_api_key, doc.get_password("secret")
	frappe.destroy()  # each request below sets up and tears down the site itself, as under a web server
	client, times = Client(application), defaultdict(list)
	for call in calls:
		for kind, payload in events_of(call):
			json_text = json.dumps(payload, separators=(",", ":"))
			form = {"vpbx_api_key": key, "json": json_text, "sign": mango_sign(key, json_text, salt)}
			started = time.perf_counter()
			answer = client.post(MANGO + kind, base_url=f"http://{site}/", data=form)
			times[kind].append(time.perf_counter() - started)
			if answer.status_code != 200:
				# An exception, not SystemExit: the pool hands it to the parent instead of losing its worker.
				raise RuntimeError(
					f"{kind} answered {answer.status_code}: {answer.get_data(as_text=True)[-2000:]}"
				)
	return dict(times)


def report(results: list[dict], elapsed: float) -> None:
	merged = defaultdict(list)
	for result in results:
		for kind, seconds in result.items():
			merged[kind] += seconds
	every = [s for seconds in merged.values() for s in seconds]
	print(f"{len(every)} call events in {elapsed:.1f} s by {len(results)} processes")
	for kind, seconds in sorted(merged.items()) + [("every event", every)]:
		print(f"  {kind:<18} {line_of(seconds)}")
	median = statistics.median(every) * 1e3
	print(
		f"median {median:.1f} ms per event (target {TARGET_MS} ms): {'met' if median <= TARGET_MS else 'NOT met'}"
	)
	print(f"ingested {len(every) / elapsed * 60:,.0f} events a minute (a busy PBX: 10,000)")


def line_of(seconds: list[float]) -> str:
	ordered = sorted(seconds)
	p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
	return (
		f"{len(ordered):>6} events, median {statistics.median(ordered) * 1e3:6.1f} ms, "
		f"p95 {p95 * 1e3:6.1f} ms, max {ordered[-1] * 1e3:6.1f} ms"
	)


def check(channel: str, calls: list[dict]) -> list[str]:
	"""Every call as it was posted: one row, its state, and a callback request for each missed one."""
	rows = frappe.db.sql(
		"select pbx_call_id, state, direction, client, operator, conversation, recording_id from `tabIQC Call` where channel=%s",
		channel,
		as_dict=True,
	)
	by_id = {row.pbx_call_id: row for row in rows}
	expected = {
		"answered": ("Answered", "Inbound"),
		"missed": ("Missed", "Inbound"),
		"outbound": ("Answered", "Outbound"),
	}
	problems = []
	if len(rows) != len(calls):
		problems.append(f"{len(rows)} call rows for {len(calls)} calls")
	wrong = [
		c["entry"] for c in calls if (by_id.get(c["entry"]) or {}).get("state") != expected[c["kind"]][0]
	]
	wrong += [
		c["entry"] for c in calls if (by_id.get(c["entry"]) or {}).get("direction") != expected[c["kind"]][1]
	]
	if wrong:
		problems.append(f"{len(wrong)} calls in the wrong state or direction, e.g. {wrong[:3]}")
	# A client's missed calls join their request while it is open: one request, not two.
	missed = [by_id.get(c["entry"]) or {} for c in calls if c["kind"] == "missed"]
	requests = frappe.db.count("IQC Conversation", {"channel": channel, "kind": "Callback"})
	if any(not row.get("conversation") for row in missed):
		problems.append("a missed call without its callback request")
	if requests != len({row.get("conversation") for row in missed}):
		problems.append(f"{requests} callback requests for the missed calls' {len(missed)}")
	clients = len({row.client for row in rows if row.client})
	numbers = len({c["number"] for c in calls})
	if clients != numbers:
		problems.append(f"{clients} clients for {numbers} numbers")
	print(
		f"checked: {len(rows)} calls for {len(calls)} posted, {requests} callback requests for "
		f"{len(missed)} missed calls (a client's calls join their open request), {clients} clients for {numbers} numbers"
	)
	return problems


def cleanup(prefix: str, operators: int) -> None:
	channel = f"{prefix}-pbx"
	conversations = frappe.get_all("IQC Conversation", filters={"channel": channel}, pluck="name")
	if conversations:
		for doctype in ("IQC Message", "IQC Assignment Log"):
			frappe.db.delete(doctype, {"conversation": ["in", conversations]})
		frappe.db.delete("IQC Conversation", {"name": ["in", conversations]})
	clients = frappe.get_all("IQC Client Identity", filters={"channel": channel}, pluck="parent")
	frappe.db.delete("IQC Call", {"channel": channel})
	frappe.db.delete("IQC Client Identity", {"channel": channel})
	if clients:
		frappe.db.delete("IQC Client", {"name": ["in", clients]})
	remove_floor(prefix, [channel])
	for i in range(1, operators):
		remove_floor(f"{prefix}-{i}", [channel])
	frappe.db.delete("__Auth", {"doctype": "IQC Channel", "name": channel})
	frappe.db.commit()


if __name__ == "__main__":
	main()
