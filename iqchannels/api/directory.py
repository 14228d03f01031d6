"""The Clients view's endpoints (layer: endpoints): a line's clients, search, the operator's list and
favourites, their own settings for the view, and starting a conversation with a client.

An operator works with the lines they are a member of and the clients of those lines; supervisors with
every line. Following a client lets an operator read, never write, that client's conversations.
"""

import frappe
from frappe.utils import cint

from iqchannels.api.operator import require_operator
from iqchannels.flows import group_chats, proactive
from iqchannels.records import followers, roles
from iqchannels.records.exceptions import fail, http_errors
from iqchannels.records.inputs import json_argument, plain_number
from iqchannels.records.operators import full_name, is_member, line_members, lines_of, operator_doc
from iqchannels.records.segments import limited_segments, lines_in, may_see_line
from iqchannels.views import clients_directory as directory


def served_line(line: str | None) -> str:
	"""The line if the current user serves it (supervisors: any line of the segments they oversee)."""
	user = require_operator()
	if not line or not frappe.db.exists("IQC Line", line):
		fail("not_found", "Line {0} does not exist.", line or "")
	if roles.is_supervisor(user):
		if not may_see_line(line, user):
			fail("forbidden", "Line {0} is outside your segments.", line)
	elif not is_member(user, line):
		fail("forbidden", "You do not serve line {0}.", line)
	return line


def client_of_my_lines(client: str | int, line: str | None = None) -> str:
	"""The client if they belong to `line` (or, without one, to any line the user serves)."""
	user = require_operator()
	if not str(client or "").isdigit() or not frappe.db.exists("IQC Client", cint(client)):
		fail("not_found", "Client {0} does not exist.", client)
	name = str(cint(client))
	if line:
		served_line(line)
		if not directory.belongs_to(line, name):
			fail("forbidden", "Client {0} is not a client of line {1}.", name, line)
	elif not roles.is_supervisor(user) and not directory.lines_of_client(name, lines_of(user)):
		fail("forbidden", "Client {0} is not a client of your lines.", name)
	elif (limits := limited_segments(user)) is not None and not directory.lines_of_client(
		name, lines_in(limits)
	):
		fail("forbidden", "Client {0} is not a client of your lines.", name)
	return name


@frappe.whitelist()
@http_errors
def clients(line: str, start: int = 0, page_length: int = directory.FIRST_PAGE) -> dict:
	"""The line's clients as the view shows them: the whole list, or above 100 clients the large list."""
	line = served_line(line)
	return directory.clients_view(line, frappe.session.user, start, page_length)


@frappe.whitelist()
@http_errors
def search(line: str, text: str = "") -> dict:
	"""Every client of the line matching what is typed, in the list or not."""
	line = served_line(line)
	found = directory.search(line, text)
	return {"line": line, "text": text, "rows": directory.rows_of(line, found, frappe.session.user)}


@frappe.whitelist(methods=["POST"])
@http_errors
def add_to_list(client: str | int, line: str | None = None) -> dict:
	"""Keep a client in the operator's list (the large list shows them for the relevance period)."""
	name = client_of_my_lines(client, line)
	return entry_answer(followers.keep(frappe.session.user, name), name)


@frappe.whitelist(methods=["POST"])
@http_errors
def remove_from_list(client: str | int) -> dict:
	name = client_of_my_lines(client)
	followers.remove(frappe.session.user, name)
	return {"client": cint(name), "in_list": False, "favourite": False}


@frappe.whitelist(methods=["POST"])
@http_errors
def follow(client: str | int) -> dict:
	"""Make the client a favourite: their events reach the operator live."""
	name = client_of_my_lines(client)
	return entry_answer(followers.keep(frappe.session.user, name, favourite=True), name)


@frappe.whitelist(methods=["POST"])
@http_errors
def unfollow(client: str | int) -> dict:
	name = client_of_my_lines(client)
	followers.unfollow(frappe.session.user, name)
	return entry_answer(followers.entry_of(frappe.session.user, name), name)


def entry_answer(entry, client: str) -> dict:
	return {
		"client": cint(client),
		"in_list": bool(entry),
		"favourite": bool(entry and entry.favourite),
		"added_at": entry.added_at if entry else None,
	}


@frappe.whitelist()
def favourites() -> list[int]:
	"""The clients the current user follows."""
	user = require_operator()
	return [
		cint(name)
		for name in frappe.get_all(
			"IQC Client List Entry", filters={"operator": user, "favourite": 1}, pluck="client"
		)
	]


@frappe.whitelist()
def preferences() -> dict:
	return directory.preferences(require_operator())


@frappe.whitelist(methods=["POST"])
@http_errors
def save_preferences(relevance_days: int | str, birthday_notice_days: int | str | None = None) -> dict:
	"""The operator's own settings of the view: the relevance period (7 to 90 days) and how many days
	ahead a birthday is shown (0 to 30)."""
	user = require_operator()
	if not roles.is_operator(user):
		fail("forbidden", "Only operators have settings of the Clients view.")
	relevance = whole_number(relevance_days, "The relevance period must be a whole number of days.")
	if not directory.RELEVANCE_MIN <= relevance <= directory.RELEVANCE_MAX:
		fail(
			"invalid",
			"The relevance period is from {0} to {1} days.",
			directory.RELEVANCE_MIN,
			directory.RELEVANCE_MAX,
		)
	values = {"relevance_days": relevance}
	if birthday_notice_days not in (None, ""):
		notice = whole_number(birthday_notice_days, "The birthday notice must be a whole number of days.")
		if not 0 <= notice <= directory.BIRTHDAY_NOTICE_MAX:
			fail("invalid", "A birthday is shown from 0 to {0} days ahead.", directory.BIRTHDAY_NOTICE_MAX)
		values["birthday_notice_days"] = notice
	operator_doc(user)
	frappe.db.set_value("IQC Operator", user, values)
	return directory.preferences(user)


def whole_number(value, message: str) -> int:
	number = plain_number(value)
	if number is None:
		fail("invalid", message)
	return number


@frappe.whitelist(methods=["POST"])
@http_errors
def start_conversation(client: str | int, line: str, text: str) -> dict:
	"""Open a conversation with a client of the line, held by the current operator, with their first
	message sent on the client's latest reachable channel."""
	name = client_of_my_lines(client, line)
	user = frappe.session.user
	if not roles.is_operator(user):
		fail("forbidden", "Only operators start conversations with clients.")
	conversation = proactive.start(name, line, user, text)
	return {"conversation": conversation.name, "channel": conversation.channel, "status": conversation.status}


@frappe.whitelist(methods=["POST"])
@http_errors
def start_group_chat(
	client: str | int,
	line: str,
	text: str,
	colleagues: str | list | None = None,
	clients: str | list | None = None,
) -> dict:
	"""Open a group chat with a client of the line, colleagues (operators) and other clients of the
	client's company, held by the current operator; `text` goes to everyone."""
	if not str(client or "").strip():
		fail("invalid", "A group chat needs a client.")
	name = client_of_my_lines(client, line)
	user = frappe.session.user
	if not roles.is_operator(user):
		fail("forbidden", "Only operators start group chats.")
	conversation = group_chats.start(name, line, user, names_list(colleagues), names_list(clients), text)
	return {"conversation": conversation.name, "channel": conversation.channel, "kind": conversation.kind}


def names_list(value) -> list[str]:
	"""A list given as JSON or as names separated by commas."""
	if isinstance(value, str):
		value = json_argument(value, "list") if value.strip().startswith("[") else value.split(",")
	if not isinstance(value, list | tuple):
		value = [] if value is None else [value]
	return [str(item).strip() for item in value if str(item).strip()]


@frappe.whitelist()
@http_errors
def group_candidates(client: str | int, line: str) -> dict:
	"""Who may join a group chat with the client: the operators of the user's lines, and the other
	clients of the client's company."""
	name = client_of_my_lines(client, line)
	company = frappe.db.get_value("IQC Client", name, "company")
	clients = (
		frappe.get_all(
			"IQC Client",
			filters={"company": company, "name": ["!=", name], "merged_into": ["is", "not set"]},
			fields=["name", "full_name"],
			order_by="full_name",
			limit=200,
		)
		if company
		else []
	)
	operators = sorted(
		{member for own in lines_of(frappe.session.user) for member in line_members(own)}
		- {frappe.session.user}
	)
	return {
		"company": company,
		"clients": [{"client": cint(row.name), "full_name": row.full_name} for row in clients],
		"colleagues": [{"user": user, "full_name": full_name(user)} for user in operators],
	}
