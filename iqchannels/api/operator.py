"""The operator's API (layer: endpoints): status, inbox, history and the actions on a conversation.

Everything here is what the operator workspace calls; supervisors may use it too and see everything.
"""

import frappe
from frappe.utils import cint

from iqchannels.flows import distribution, lifecycle, transfers
from iqchannels.flows.replies import post_operator_message
from iqchannels.flows.statuses import change_status
from iqchannels.records import inputs, roles, segments
from iqchannels.records.conversations import collaborators
from iqchannels.records.exceptions import fail, http_errors
from iqchannels.records.messages import client_history, original_html
from iqchannels.records.operators import lines_of, mark_seen, operator_doc
from iqchannels.records.permissions import can_see_conversation, is_collaborator
from iqchannels.records.queue import position_and_wait
from iqchannels.views import workspace
from iqchannels.views.call_history import with_calls
from iqchannels.views.tickets import with_ticket_events

INBOX_FIELDS = [
	"name",
	"client",
	"client_name",
	"channel",
	"line",
	"status",
	"operator",
	"priority",
	"category",
	"result",
	"opened_at",
	"queued_at",
	"assigned_at",
	"closed_at",
	"last_message_at",
	"last_message_preview",
	"unread_count",
	"kind",
]
INBOX_VIEWS = ("mine", "queue", "collaborating", "all")
INBOX_SORTS = {
	"recent": "last_message_at desc",
	"waiting": "priority desc, queued_at asc",
	"unread": "unread_count desc, last_message_at desc",
	"oldest": "opened_at asc",
}


def require_operator() -> str:
	user = frappe.session.user
	if not (roles.is_operator(user) or roles.is_supervisor(user)):
		fail("forbidden", "Only IQChannels operators and supervisors can do this.")
	return user


def existing_conversation(name):
	if not str(name or "").isdigit() or not frappe.db.exists("IQC Conversation", cint(name)):
		fail("not_found", "Conversation {0} does not exist.", name)
	return frappe.get_doc("IQC Conversation", cint(name))


def visible_conversation(name):
	"""The conversation named `name` if the current user may see it, else a 404 or a 403."""
	require_operator()
	conversation = existing_conversation(name)
	if not can_see_conversation(conversation):
		fail("forbidden", "Conversation {0} is not yours.", name)
	return conversation


def workable_conversation(name, owner_only: bool = False):
	"""The conversation if the current user may write in it: its operator, a supervisor, or (unless
	the action is the owner's alone: close, spam, transfer, invite) an invited collaborator."""
	conversation = visible_conversation(name)
	user = frappe.session.user
	allowed = conversation.operator == user or roles.is_supervisor(user)
	if not allowed and not owner_only:
		allowed = is_collaborator(conversation, user)
	if not allowed:
		if conversation.status == "Queued":
			fail("conflict", "Take conversation {0} from the queue before working on it.", name)
		fail("forbidden", "Conversation {0} is not yours.", name)
	return conversation


@frappe.whitelist()
def me() -> dict:
	"""The current operator: status, slots, load and lines."""
	return workspace.me(require_operator())


@frappe.whitelist(methods=["POST"])
@http_errors
def set_status(status: str) -> dict:
	user = require_operator()
	operator = change_status(user, status)
	return {"status": operator.status, "status_since": operator.status_since}


@frappe.whitelist(methods=["POST"])
def heartbeat() -> dict:
	"""The workspace says it is still there; silent Active operators are moved Offline."""
	user = require_operator()
	if roles.is_operator(user):
		mark_seen(operator_doc(user).name)
	return {"ok": True}


@frappe.whitelist()
def inbox(
	view: str = "mine",
	status: str | None = None,
	channel: str | None = None,
	line: str | None = None,
	date_from: str | None = None,
	date_to: str | None = None,
	search: str | None = None,
	start: int = 0,
	page_length: int = 50,
	sort: str | None = None,
	segment: str | None = None,
) -> list[dict]:
	"""Conversations of one view, permission-filtered: mine, the queue of my lines, or all."""
	user = require_operator()
	if view not in INBOX_VIEWS:
		fail("invalid", "Unknown view {0}: use mine, queue or all.", view)
	filters = {}
	order_by = "last_message_at desc"
	if view == "mine":
		filters["operator"] = user
		filters["status"] = status or "Open"
	elif view == "queue":
		filters["status"] = "Queued"
		order_by = "priority desc, queued_at asc"
		if not roles.is_supervisor(user):
			filters["line"] = ["in", lines_of(user) or [""]]
	elif view == "collaborating":
		filters["name"] = ["in", collaborating_in(user) or [0]]
		filters["status"] = status or ["!=", "Closed"]
	elif not roles.is_supervisor(user):
		fail("forbidden", "Only supervisors see all conversations.")
	if status and view != "queue":
		if status not in ("Queued", "Open", "Closed"):
			fail("invalid", "Unknown status {0}.", status)
		filters["status"] = status
	if channel:
		filters["channel"] = channel
	if line:
		if "line" in filters and line not in filters["line"][1]:
			return []
		filters["line"] = line
	if segment:
		# A segment is the set of its lines: narrow whatever line filter the view already has.
		allowed = segments.lines_in(segments.scope(user, segment))
		if "line" in filters:
			current = filters["line"][1] if isinstance(filters["line"], list) else [filters["line"]]
			allowed = [name for name in allowed if name in current]
		filters["line"] = ["in", allowed or [""]]
	if date_from or date_to:
		filters["opened_at"] = [
			"between",
			[
				inputs.date_argument(date_from or "2000-01-01"),
				f"{inputs.date_argument(date_to or '2999-12-31')} 23:59:59.999999",
			],
		]
	if sort:
		if sort not in INBOX_SORTS:
			fail("invalid", "Unknown sort {0}: use {1}.", sort, ", ".join(INBOX_SORTS))
		order_by = INBOX_SORTS[sort]
	or_filters = search_filters(search) if search else None
	rows = frappe.get_list(
		"IQC Conversation",
		filters=filters,
		or_filters=or_filters,
		fields=INBOX_FIELDS,
		order_by=order_by,
		start=inputs.page_start(start),
		page_length=inputs.page_length(page_length),
	)
	for row in rows:
		row.client = cint(row.client)
	return rows


def collaborating_in(user: str) -> list[int]:
	return [
		cint(name)
		for name in frappe.get_all(
			"IQC Conversation Collaborator",
			filters={"user": user, "parenttype": "IQC Conversation"},
			pluck="parent",
		)
	]


def search_filters(search: str) -> dict:
	"""Match a conversation number, or a client's name, phone or e-mail."""
	term = inputs.search_text(search)
	or_filters = {"client_name": ["like", f"%{term}%"]}
	if term.lstrip("#").isdigit():
		or_filters["name"] = cint(term.lstrip("#"))
	clients = frappe.get_list(
		"IQC Client",
		or_filters={"phone": ["like", f"%{term}%"], "email": ["like", f"%{term}%"]},
		pluck="name",
		limit=200,
	)
	if clients:
		or_filters["client"] = ["in", [str(c) for c in clients]]
	return or_filters


@frappe.whitelist()
def messages(conversation: str | int, before: int | None = None, limit: int = 50) -> dict:
	"""A page of the client's whole history (every conversation, with their calls and ticket events), oldest
	first.

	Seeing a conversation entitles one to its client's history: operators answer better when they
	see what was said before, whoever said it.
	"""
	doc = visible_conversation(conversation)
	before = cint(before) or None
	page = client_history(doc.client, before=before, limit=inputs.page_length(limit))
	page = with_calls(doc.client, page, before)
	return with_ticket_events(doc.client, page, latest=before is None)


@frappe.whitelist()
@http_errors
def message_original(message: str | int) -> dict:
	"""The message as the client sent it (a mail's HTML, sanitised when it was received)."""
	conversation = frappe.db.get_value("IQC Message", cint(message), "conversation")
	if not conversation:
		fail("not_found", "Message {0} does not exist.", message)
	visible_conversation(conversation)
	return {"html": original_html(message)}


@frappe.whitelist(methods=["POST"])
@http_errors
def reply(conversation: str | int, text: str) -> dict:
	doc = workable_conversation(conversation)
	return message_answer(post_operator_message(doc, frappe.session.user, text))


@frappe.whitelist(methods=["POST"])
@http_errors
def add_note(conversation: str | int, text: str) -> dict:
	doc = workable_conversation(conversation)
	return message_answer(post_operator_message(doc, frappe.session.user, text, internal=True))


@frappe.whitelist(methods=["POST"])
@http_errors
def send_file(conversation: str | int, internal: bool = False) -> dict:
	"""A file from the operator (multipart field `file`): an image, video or document."""
	doc = workable_conversation(conversation)
	upload = frappe.request.files.get("file") if frappe.request and frappe.request.files else None
	if not upload:
		fail("invalid", "No file was sent.")
	message = post_operator_message(
		doc, frappe.session.user, None, internal=bool(cint(internal)), file=(upload.filename, upload.read())
	)
	return message_answer(message)


def message_answer(message) -> dict:
	return {
		"name": message.name,
		"conversation": cint(message.conversation),
		"delivery_status": message.delivery_status,
		"internal": message.internal,
		"sent_at": message.sent_at,
		"kind": message.kind,
		"attachment": message.attachment,
	}


@frappe.whitelist(methods=["POST"])
def mark_read(conversation: str | int) -> dict:
	doc = workable_conversation(conversation)
	return {"read": lifecycle.unread_reset(doc)}


@frappe.whitelist(methods=["POST"])
@http_errors
def close(conversation: str | int, result: str | None = None, category: str | None = None) -> dict:
	doc = workable_conversation(conversation, owner_only=True)
	doc = lifecycle.close(doc, result, category or None, by=frappe.session.user)
	return {"name": doc.name, "status": doc.status, "result": doc.result, "category": doc.category}


@frappe.whitelist(methods=["POST"])
@http_errors
def mark_spam(conversation: str | int, block_client: bool = True) -> dict:
	doc = visible_conversation(conversation)
	if doc.status == "Open":
		doc = workable_conversation(conversation, owner_only=True)
	doc = lifecycle.mark_spam(doc, frappe.session.user, block_client=bool(block_client))
	return {"name": doc.name, "status": doc.status, "result": doc.result}


@frappe.whitelist(methods=["POST"])
@http_errors
def set_category(conversation: str | int, category: str | None = None) -> dict:
	doc = workable_conversation(conversation, owner_only=True)
	if doc.status == "Closed":
		fail("conflict", "The conversation is already closed.")
	lifecycle.set_category(doc, category)
	return {"name": doc.name, "category": category or None}


@frappe.whitelist(methods=["POST"])
@http_errors
def take(conversation: str | int) -> dict:
	require_operator()
	doc = existing_conversation(conversation)
	# Members of the line hear "already taken" rather than "not yours" when someone was quicker.
	distribution.take(doc, frappe.session.user)
	return {"name": doc.name, "status": "Open", "operator": frappe.session.user}


@frappe.whitelist(methods=["POST"])
@http_errors
def transfer(
	conversation: str | int,
	to_operator: str | None = None,
	to_line: str | None = None,
	comment: str | None = None,
) -> dict:
	"""Offer the conversation to an operator (who must accept in time) or send it to a line's queue."""
	doc = workable_conversation(conversation, owner_only=True)
	if doc.status == "Closed":
		fail("conflict", "The conversation is already closed.")
	if bool(to_operator) == bool(to_line):
		fail("invalid", "Transfer either to an operator or to a line.")
	if to_line:
		doc = transfers.to_line(doc, frappe.session.user, to_line, comment)
		return {"name": doc.name, "status": doc.status, "line": doc.line}
	offer = transfers.offer(doc, frappe.session.user, to_operator, comment)
	return {"transfer": offer.name, "status": offer.status, "expires_at": offer.expires_at}


@frappe.whitelist(methods=["POST"])
@http_errors
def respond_transfer(transfer: str | int, accept: bool) -> dict:
	require_operator()
	if not str(transfer or "").isdigit() or not frappe.db.exists("IQC Transfer", cint(transfer)):
		fail("not_found", "Transfer {0} does not exist.", transfer)
	doc = transfers.respond(frappe.get_doc("IQC Transfer", cint(transfer)), frappe.session.user, bool(accept))
	return {"transfer": doc.name, "status": doc.status, "conversation": cint(doc.conversation)}


@frappe.whitelist(methods=["POST"])
@http_errors
def invite(conversation: str | int, operator: str) -> dict:
	doc = workable_conversation(conversation, owner_only=True)
	if doc.status == "Closed":
		fail("conflict", "The conversation is already closed.")
	transfers.invite(doc, frappe.session.user, operator)
	return {"name": doc.name, "collaborators": collaborators(doc.name)}


@frappe.whitelist()
def queue_info(conversation: str | int) -> dict | None:
	"""A queued conversation's place in its line's queue and the estimated wait."""
	return position_and_wait(visible_conversation(conversation))


@frappe.whitelist()
def workspace_boot() -> dict:
	"""What the workspace page loads once: me, my lists' menus, quick replies, transfers waiting for me."""
	return workspace.boot(require_operator())


@frappe.whitelist()
def conversation(conversation: str | int) -> dict:
	"""A conversation's details, why it was assigned, and its client's card."""
	return workspace.details(visible_conversation(conversation), frappe.session.user)


@frappe.whitelist()
def counters() -> dict:
	"""How many conversations each list holds and how many of them have unread messages."""
	return workspace.counters(require_operator())


@frappe.whitelist()
def pending_transfers() -> list[dict]:
	"""Transfers offered to me and waiting for my answer."""
	return workspace.offers_to(require_operator())


@frappe.whitelist()
def transfer_targets(conversation: str | int) -> dict:
	workable_conversation(conversation, owner_only=True)
	return workspace.transfer_targets(frappe.session.user)


@frappe.whitelist(methods=["POST"])
def typing(conversation: str | int, typing: bool = True) -> dict:
	doc = workable_conversation(conversation)
	lifecycle.typing(doc, "operator", bool(cint(typing)), user=frappe.session.user)
	return {"ok": True}


@frappe.whitelist(methods=["POST"])
def set_notifications(muted: bool) -> dict:
	"""Mute or unmute this operator's sounds and browser notifications, on every device."""
	user = require_operator()
	muted = bool(cint(muted))
	frappe.defaults.set_user_default(workspace.MUTE_DEFAULT, int(muted), user)
	return {"notifications_muted": muted}
