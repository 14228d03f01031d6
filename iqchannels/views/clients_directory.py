"""The Clients view of the workspace (layer: read models): a line's clients, the "large list" of the
relevant ones, search as you type, and what each row shows.

A client belongs to a line when they have a conversation (any status) or a ticket in it. A line of at
most LARGE_LIST_ABOVE clients is shown whole, ordered by the last message (most recent first), then the
rest alphabetically; above that only the clients the operator added, worked with or made favourites
within their relevance period are shown, and search reaches the rest.
"""

from datetime import timedelta

import frappe
from frappe.utils import cint, getdate, now_datetime

from iqchannels.engine.birthdays import balloon, days_to_birthday
from iqchannels.records import inputs, settings

LARGE_LIST_ABOVE = 100
FIRST_PAGE = 50
SEARCH_LIMIT = 20
MIN_SEARCH = 2
RELEVANCE_DEFAULT, RELEVANCE_MIN, RELEVANCE_MAX = 60, 7, 90
BIRTHDAY_NOTICE_DEFAULT, BIRTHDAY_NOTICE_MAX = 3, 30
OPEN_TICKET_STATUSES = ("Open", "In Progress", "Waiting for Client", "Postponed")
ROW_FIELDS = (
	"c.name, c.full_name, c.company, c.email, c.customer_id, c.inn, c.birthday, c.last_seen_at, c.vip"
)


def preferences(user: str) -> dict:
	"""The operator's relevance period and birthday notice, with the defaults for anyone unset."""
	values = (
		frappe.db.get_value("IQC Operator", user, ["relevance_days", "birthday_notice_days"], as_dict=True)
		or frappe._dict()
	)
	relevance = cint(values.relevance_days) or RELEVANCE_DEFAULT
	notice = values.birthday_notice_days
	return {
		"relevance_days": min(max(relevance, RELEVANCE_MIN), RELEVANCE_MAX),
		"birthday_notice_days": BIRTHDAY_NOTICE_DEFAULT if notice is None else cint(notice),
	}


def is_large(line: str) -> bool:
	"""More than LARGE_LIST_ABOVE clients: counted only that far, so a line of 100,000 costs as little
	as one of 101."""
	with_conversations = frappe.db.sql(
		"""select count(*) from (select distinct client from `tabIQC Conversation` where line=%s
		limit %s) clients""",
		(line, LARGE_LIST_ABOVE + 1),
	)[0][0]
	if with_conversations > LARGE_LIST_ABOVE:
		return True
	return len(all_clients(line)) > LARGE_LIST_ABOVE


def all_clients(line: str) -> set[str]:
	"""Every client of a line: only for lines known to be small."""
	return set(
		frappe.db.sql_list(
			"""select client from `tabIQC Conversation` where line=%(line)s
			union select client from `tabIQC Ticket` where line=%(line)s and client is not null""",
			{"line": line},
		)
	)


def line_clients(line: str, start: int = 0, page_length: int = FIRST_PAGE) -> tuple[list[str], bool]:
	"""One page of the line's clients in the view's order, and whether more follow. Conversations are
	read newest message first until the page is full, so the first pages of a long line stay cheap."""
	wanted = start + page_length + 1
	ordered: list[str] = []
	seen: set[str] = set()
	batch, offset = max(wanted * 4, 200), 0
	while len(ordered) < wanted:
		rows = frappe.db.sql(
			"""select client from `tabIQC Conversation` where line=%s and last_message_at is not null
			order by last_message_at desc, name desc limit %s offset %s""",
			(line, batch, offset),
		)
		for (client,) in rows:
			if client not in seen:
				seen.add(client)
				ordered.append(client)
		if len(rows) < batch:
			break
		offset += batch
		batch *= 2
	if len(ordered) < wanted:
		ordered.extend(silent_clients(line, seen, wanted - len(ordered)))
	return ordered[start : start + page_length], len(ordered) > start + page_length


def silent_clients(line: str, known: set[str], limit: int) -> list[str]:
	"""The line's clients without any message yet (a ticket only, say), alphabetically."""
	rows = frappe.db.sql(
		"""select c.name from `tabIQC Client` c where c.name in (
			select client from `tabIQC Conversation` where line=%(line)s
			union select client from `tabIQC Ticket` where line=%(line)s and client is not null)
		order by c.full_name, c.name""",
		{"line": line},
	)
	return [str(name) for (name,) in rows if str(name) not in known][:limit]


def relevant_clients(line: str, user: str, days: int) -> list[str]:
	"""The large list: the line's clients the operator added or worked with within `days`, and their
	favourites whenever they were made, in the view's order."""
	since = now_datetime() - timedelta(days=days)
	candidates = set(
		frappe.db.sql_list(
			"""select client from `tabIQC Client List Entry` where operator=%s and (favourite=1 or added_at>=%s)""",
			(user, since),
		)
	)
	candidates.update(
		frappe.db.sql_list(
			"""select distinct client from `tabIQC Conversation` where operator=%s and last_message_at>=%s""",
			(user, since),
		)
	)
	return order_clients(line, of_line(line, candidates))


def of_line(line: str, clients: set[str]) -> list[str]:
	if not clients:
		return []
	return frappe.db.sql_list(
		"""select distinct client from `tabIQC Conversation` where line=%(line)s and client in %(clients)s
		union select client from `tabIQC Ticket` where line=%(line)s and client in %(clients)s""",
		{"line": line, "clients": list(clients)},
	)


def belongs_to(line: str, client: str) -> bool:
	return bool(of_line(line, {str(client)}))


def lines_of_client(client: str, among: list[str]) -> list[str]:
	"""Which of `among` the client belongs to."""
	if not among:
		return []
	return frappe.db.sql_list(
		"""select distinct line from `tabIQC Conversation` where client=%(client)s and line in %(lines)s
		union select line from `tabIQC Ticket` where client=%(client)s and line in %(lines)s""",
		{"client": str(client), "lines": among},
	)


def order_clients(line: str, clients: list[str]) -> list[str]:
	"""By the last message in the line, most recent first; those without one alphabetically."""
	if not clients:
		return []
	last = dict(
		frappe.db.sql(
			"""select client, max(last_message_at) from `tabIQC Conversation`
			where line=%s and client in %s group by client""",
			(line, clients),
		)
	)
	names = {
		str(name): full
		for name, full in frappe.db.sql(
			"select name, full_name from `tabIQC Client` where name in %s", [clients]
		)
	}
	with_message = sorted((c for c in clients if last.get(c)), key=lambda c: (last[c], c), reverse=True)
	rest = sorted((c for c in clients if not last.get(c)), key=lambda c: ((names.get(c) or "").lower(), c))
	return with_message + rest


# A client's number (an integer) compared with the text columns that link to it.
CLIENT_KEY = "convert(c.name, char) collate utf8mb4_unicode_ci"
IN_LINE = f"""(exists (select 1 from `tabIQC Conversation` cv where cv.line = %(line)s and cv.client = {CLIENT_KEY})
		or exists (select 1 from `tabIQC Ticket` t where t.line = %(line)s and t.client = {CLIENT_KEY}))"""
# One branch per criterion, each served by its own index: one query OR-ing them all made MariaDB read
# every client with every join (a quarter to half a second at 100,000 clients). Names are read in
# their index's order until enough of the line's clients match, so a common fragment stops early and
# a rare one costs one pass over the names' index; merged profiles are left out only at the end, as
# reading that flag inside a branch would fetch every client's row.
SEARCH_BRANCHES = (
	"c.full_name like %(anywhere)s",
	"c.customer_id like %(prefix)s",
	"c.email like %(prefix)s",
	"c.inn like %(prefix)s",
	"""c.company in (select name from (select name from `tabIQC Company`
		where company_name like %(anywhere)s or inn like %(prefix)s order by company_name limit 50) co)""",
	"""c.name in (select parent from `tabIQC Client Identity`
		where parenttype = 'IQC Client' and external_id like %(prefix)s)""",
)


def search(line: str, text: str, limit: int = SEARCH_LIMIT) -> list[str]:
	"""All of the line's clients whose name, client ID (customer_id or an identity's external id),
	e-mail, company name or INN (theirs or their company's) matches what is typed, alphabetically.
	IDs, e-mails and INNs match from their start, names and company names anywhere in them; a fragment
	that fits more than 50 companies reaches the first 50 of them."""
	text = inputs.search_text(text)
	if len(text) < MIN_SEARCH:
		return []
	escaped = frappe.db.escape(text, percent=False)[1:-1]
	branches = " union ".join(
		f"""(select c.name, c.full_name from `tabIQC Client` c where {criterion} and {IN_LINE}
		order by c.full_name, c.name limit %(limit)s)"""
		for criterion in SEARCH_BRANCHES
	)
	found = frappe.db.sql_list(
		f"""select found.name from ({branches}) found join `tabIQC Client` c on c.name = found.name
		where ifnull(c.merged_into, '') = '' order by found.full_name, found.name limit %(limit)s""",
		{"anywhere": f"%{escaped}%", "prefix": f"{escaped}%", "line": line, "limit": limit},
	)
	return [str(name) for name in found]  # clients are numbered; their links hold the number as text


def rows_of(line: str, clients: list[str], user: str) -> list[dict]:
	"""What the view shows of each client, in the given order."""
	if not clients:
		return []
	prefs = preferences(user)
	today = getdate()
	online_since = now_datetime() - timedelta(minutes=settings.number("presence_timeout_minutes"))
	details = {
		str(row.name): row
		for row in frappe.db.sql(
			f"select {ROW_FIELDS} from `tabIQC Client` c where c.name in %s", [clients], as_dict=True
		)
	}
	last = {}
	for row in frappe.db.sql(
		"""select client, name, status, last_message_at, last_message_preview from `tabIQC Conversation`
		where line=%s and client in %s order by last_message_at desc, name desc""",
		(line, clients),
		as_dict=True,
	):
		last.setdefault(row.client, row)
	busy = set(
		frappe.db.sql_list(
			"""select client from `tabIQC Conversation` where client in %(clients)s and line=%(line)s
				and status in ('Queued', 'Open')
			union select client from `tabIQC Ticket` where client in %(clients)s and line=%(line)s
				and status in %(open)s""",
			{"clients": clients, "line": line, "open": OPEN_TICKET_STATUSES},
		)
	)
	kept = {
		row.client: row
		for row in frappe.db.sql(
			"""select client, favourite from `tabIQC Client List Entry` where operator=%s and client in %s""",
			(user, clients),
			as_dict=True,
		)
	}
	rows = []
	for name in clients:
		client = details.get(name)
		if not client:
			continue
		conversation = last.get(name) or frappe._dict()
		rows.append(
			{
				"client": cint(name),
				"full_name": client.full_name,
				"company": client.company,
				"email": client.email,
				"customer_id": client.customer_id,
				"vip": cint(client.vip),
				"online": bool(client.last_seen_at and client.last_seen_at >= online_since),
				"last_message_at": conversation.last_message_at,
				"last_message": conversation.last_message_preview,
				"last_conversation": cint(conversation.name) or None,
				"unfinished": name in busy,
				"birthday": client.birthday,
				"birthday_in_days": days_to_birthday(client.birthday, today),
				"balloon": balloon(client.birthday, today, prefs["birthday_notice_days"]),
				"in_list": name in kept,
				"favourite": bool(kept.get(name) and kept[name].favourite),
			}
		)
	return rows


def clients_view(line: str, user: str, start: int = 0, page_length: int = FIRST_PAGE) -> dict:
	"""The Clients view of one line for one operator."""
	prefs = preferences(user)
	page_length = inputs.page_length(page_length, FIRST_PAGE)
	start = inputs.page_start(start)
	if is_large(line):
		relevant = relevant_clients(line, user, prefs["relevance_days"])
		page, more = relevant[start : start + page_length], len(relevant) > start + page_length
		mode = "large"
	else:
		page, more = line_clients(line, start, page_length)
		mode = "full"
	return {"line": line, "mode": mode, "rows": rows_of(line, page, user), "more": more, **prefs}
