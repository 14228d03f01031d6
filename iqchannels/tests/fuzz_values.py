"""What the API fuzz calls and with what: every whitelisted function of the app, found by importing its
modules, and generated arguments for it, hostile and plausible, from a seeded generator."""

import importlib
import inspect
import json
import pkgutil
import random
from dataclasses import dataclass, field

import frappe

import iqchannels

SKIPPED_PACKAGES = (".tests", ".patches")

# Values no endpoint should choke on: wrong types, empty and huge values, unicode, SQL, HTML, templates,
# JSON of the wrong shape, numbers at and beyond every limit.
HOSTILE = [
	None,
	"",
	" ",
	"x" * 100_000,
	"é" * 50_000,
	"\u202eevil\u202c",
	"שלום עולם",
	"👩‍👩‍👧‍👦🔥" * 20,
	"a\x00b",
	"\x00",
	"' OR '1'='1",
	"1; DROP TABLE `tabIQC Message`; --",
	"1 UNION SELECT name, password FROM __Auth",
	"\\' \\\" %s %(name)s {0} {name}",
	"<script>alert(1)</script>",
	"<img src=x onerror=alert(1)>",
	"{{ frappe.db.sql('select 1') }}",
	'{"a": [1, {"b": null}]}',
	"[1, 2, 3]",
	'"text"',
	"null",
	"{}",
	"[]",
	"../../../../etc/passwd",
	"NaN",
	"-1",
	"9" * 40,
	"9" * 5000,  # past the 4,300 digits Python's int() reads from text
	"²",  # a digit to str.isdigit(), not to int()
	"١٢",  # Arabic-Indic digits: int() reads them as 12
	"1e5",
	"2026-02-30",
	"9999-12-31 23:59:59",
	"0000-00-00",
	"Administrator",
	"Guest",
	-1,
	0,
	1.5,
	2**63,
	-(2**63),
	10**30,
	1e308,
	float("nan"),
	float("inf"),
	True,
	False,
	[],
	[1, "a", None],
	["' OR 1=1 --"],
	{},
	{"a": {"b": []}},
	{"name": "1", "doctype": "User"},
]

PLAIN = {
	int: [0, 1, 25, "3"],
	float: [0, 12.5, "7"],
	bool: [0, 1, True, "1"],
	str: ["hello", "Question", "2026-01-15", "1"],
	dict: [{"full_name": "Fuzz"}, '{"full_name": "Fuzz"}'],
	list: [["x"], '["x"]'],
}

# Well-formed values by parameter name, beside the ids of the scene (see fuzz_scene.py).
KNOWN = {
	"status": ["Active", "Away", "Break", "Offline", "Open", "Closed", "Queued"],
	"state": ["read", "delivered"],
	"view": ["mine", "queue", "all", "watching"],
	"action": ["take", "start", "postpone", "resolve", "close", "reopen", "cancel"],
	"kind": ["day", "forecast", "replay", "plan"],
	"result": ["Resolved", "Unresolved", "Spam"],
	"priority": ["Low", "Medium", "High", "Urgent"],
	"sort": ["newest", "oldest", "waiting"],
	"date": ["2026-01-15", "today"],
	"to_date": ["2026-01-16"],
	"until": ["2030-01-01 10:00:00"],
	"due_date": ["2030-01-01"],
	"date_from": ["2026-01-01"],
	"date_to": ["2026-12-31"],
	"rating": [1, 5, "3"],
	"per_hour": ['{"9": 2, "10": 3}', [1, 2, 3]],
	"staffing": ['{"9": 2}', {"9": 2}],
	"values": [{"full_name": "Fuzz"}, '{"vip": 1}'],
	"filters": ['{"segment": "x"}', {}],
}


@dataclass
class Endpoint:
	path: str  # dotted path, as in /api/method/<path>
	params: list[inspect.Parameter]
	guest: bool
	http_methods: list[str]
	uploads: bool = field(default=False)

	@property
	def verb(self) -> str:
		return "POST" if "POST" in self.http_methods else self.http_methods[0]


def discover() -> list[Endpoint]:
	"""Every function of the app that Frappe answers on /api/method/, after importing all its modules."""
	for module in pkgutil.walk_packages(iqchannels.__path__, "iqchannels."):
		if not any(part in module.name for part in SKIPPED_PACKAGES):
			importlib.import_module(module.name)
	found = {}
	for fn in frappe.whitelisted:
		if not fn.__module__.startswith("iqchannels.") or "." in fn.__qualname__:
			continue
		path = f"{fn.__module__}.{fn.__name__}"
		source = inspect.getsource(inspect.unwrap(fn))
		found[path] = Endpoint(
			path=path,
			params=list(inspect.signature(fn).parameters.values()),
			guest=fn in frappe.guest_methods,
			http_methods=frappe.allowed_http_methods_for_whitelisted_func.get(fn) or ["GET", "POST"],
			uploads="request.files" in source,
		)
	return sorted(found.values(), key=lambda endpoint: endpoint.path)


def annotation_types(param: inspect.Parameter) -> list[type]:
	hint = param.annotation
	args = getattr(hint, "__args__", None)
	candidates = args if args else (hint,)
	return [kind for kind in candidates if kind in PLAIN]


class ArgumentMaker:
	"""Arguments for one call: per parameter an id from the scene, a well-formed value, a hostile value,
	or nothing at all; seeded, so that a failing case can be made again."""

	def __init__(self, seed: int, ids: dict[str, list]):
		self.random = random.Random(seed)
		self.ids = ids

	def arguments(self, endpoint: Endpoint, fixed: dict | None = None) -> dict:
		"""Well-formed but for one hostile value, well-formed throughout, or hostile throughout."""
		names = [p.name for p in endpoint.params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
		mode = self.random.choices(["one", "plausible", "chaos"], weights=[5, 3, 2])[0]
		odd_one = self.random.choice(names) if names else None
		args = {}
		for param in endpoint.params:
			if param.name not in names:
				continue
			if fixed and param.name in fixed and self.random.random() < 0.9:
				args[param.name] = fixed[param.name]
				continue
			hostile = mode == "chaos" or (mode == "one" and param.name == odd_one)
			if hostile and self.random.random() < 0.1:
				continue  # left out, required or not
			args[param.name] = self.random.choice(HOSTILE) if hostile else self.plausible(param)
		return args

	def plausible(self, param: inspect.Parameter):
		name = param.name
		pools = [pool for key, pool in self.ids.items() if key == name or name in key.split("|")]
		if pools:
			return self.random.choice(pools[0])
		if name in KNOWN:
			return self.random.choice(KNOWN[name])
		kinds = annotation_types(param) or [str]
		return self.random.choice(PLAIN[self.random.choice(kinds)])

	def encoding(self, endpoint: Endpoint) -> str:
		if endpoint.verb == "GET":
			return "query"
		return "json" if self.random.random() < 0.7 else "form"

	def upload(self) -> tuple[bytes, str] | None:
		"""A file to attach, now and then: an image's first bytes, HTML, nothing, or a name of 1,000 chars."""
		choices = [
			None,
			(b"\x89PNG\r\n\x1a\n" + bytes(64), "picture.png"),
			(b"<script>alert(1)</script>", "page.html"),
			(b"", "empty.txt"),
			(b"plain text", "n" * 1000 + ".txt"),
			(b"%PDF-1.4 fake", "\u202efdp.exe"),
		]
		return self.random.choice(choices)


def as_form(args: dict) -> dict:
	"""Form fields carry text: structures travel as JSON, as the desk's `frappe.call` sends them."""
	fields = {}
	for key, value in args.items():
		if value is None:
			continue
		fields[key] = value if isinstance(value, str) else json.dumps(value)
	return fields


def short(args: dict) -> str:
	"""A readable account of a case's arguments, huge values abbreviated."""
	shown = {}
	for key, value in args.items():
		text = repr(value)
		shown[key] = text if len(text) <= 60 else f"{text[:40]}…({len(text)} chars)"
	return ", ".join(f"{key}={text}" for key, text in shown.items())
