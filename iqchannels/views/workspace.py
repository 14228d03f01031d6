"""What the operator workspace shows besides the inbox and the history (layer: read models): its start-up data, a
conversation's details with the client card, the unread counters and the targets of a transfer."""

from datetime import timedelta

import frappe
from frappe.utils import cint, now_datetime

from iqchannels.flows.client_tasks import deal_app, tasks_of
from iqchannels.records import roles, settings
from iqchannels.records.client_access import reach_condition
from iqchannels.records.clients import DETAIL_FIELDS
from iqchannels.records.companies import company_card
from iqchannels.records.conversations import collaborators
from iqchannels.records.inputs import search_text
from iqchannels.records.operators import full_name, held_conversations, lines_of, operator_doc, slots_of
from iqchannels.records.permissions import is_collaborator
from iqchannels.views.call_history import call_count

STATUSES = ["Active", "Away", "Break", "Offline"]
MUTE_DEFAULT = "iqc_notifications_muted"
# A client who wrote or typed this recently is shown online.
ONLINE_FOR = timedelta(minutes=2)
PREVIOUS_CONVERSATIONS = 20
CLIENT_FIELDS = [
	"name",
	"full_name",
	"client_type",
	"vip",
	"blocked",
	"email",
	"phone",
	"responsible_operator",
	"company",
	"inn",
	"position",
	"department",
	"region",
	"language",
	"birthday",
	"notes",
	"last_seen_at",
	"merged_into",
	"contact",
]
# What an operator may change on a client's card; identities have their own calls.
EDITABLE_CLIENT_FIELDS = ["client_type", "vip", *DETAIL_FIELDS, "notes"]


def boot(user: str) -> dict:
	"""Everything the page needs once, at start: who I am and the lists its menus offer."""
	info = me(user)
	info.update(
		statuses=STATUSES,
		results=frappe.get_all("IQC Close Result", pluck="name", order_by="name"),
		categories=frappe.get_all("IQC Category", pluck="name", order_by="name"),
		all_lines=frappe.get_all("IQC Line", fields=["name", "line_name", "mode"], order_by="line_name"),
		channels=frappe.get_all("IQC Channel", fields=["name", "channel_type"], order_by="name"),
		quick_replies=quick_replies(),
		transfers=offers_to(user),
		transfer_timeout_seconds=settings.number("transfer_timeout_seconds"),
		notifications_muted=bool(cint(frappe.defaults.get_user_default(MUTE_DEFAULT, user))),
	)
	return info


def me(user: str) -> dict:
	info = {
		"user": user,
		"full_name": full_name(user),
		"is_supervisor": roles.is_supervisor(user),
		"is_operator": roles.is_operator(user),
	}
	if info["is_operator"]:
		operator = operator_doc(user)
		info.update(
			status=operator.status,
			status_since=operator.status_since,
			slots=slots_of(operator),
			load=len(held_conversations(user)),
			lines=lines_of(user),
		)
	return info


def quick_replies() -> list[dict]:
	# get_list applies the quick reply rule for the current user: shared ones and their own.
	return frappe.get_list(
		"IQC Quick Reply", fields=["name", "title", "shortcut", "scope", "text"], order_by="shortcut, title"
	)


def offers_to(user: str) -> list[dict]:
	"""Transfers waiting for my answer, so that a reload shows the prompt again."""
	rows = frappe.get_all(
		"IQC Transfer",
		filters={"to_operator": user, "status": "Pending", "expires_at": [">", now_datetime()]},
		fields=["name", "conversation", "from_operator", "comment", "expires_at"],
		order_by="expires_at",
	)
	now = now_datetime()
	for row in rows:
		row.conversation = cint(row.conversation)
		# The browser counts down from this, whatever its own clock says.
		row.seconds_left = max(int((row.expires_at - now).total_seconds()), 0)
		row.from_name = full_name(row.from_operator)
		row.client_name = frappe.db.get_value("IQC Conversation", str(row.conversation), "client_name")
	return rows


def details(conversation, user: str) -> dict:
	"""The conversation, why it went where it is, and its client's card."""
	fields = conversation.as_dict(no_default_fields=True)
	fields.pop("collaborators", None)
	owner, collaborating = conversation.operator == user, is_collaborator(conversation, user)
	fields.update(
		name=conversation.name,
		client=cint(conversation.client),
		operator_name=full_name(conversation.operator) if conversation.operator else None,
		collaborators=[{"user": u, "full_name": full_name(u)} for u in collaborators(conversation.name)],
		is_owner=owner,
		is_collaborator=collaborating,
		can_write=owner or collaborating or roles.is_supervisor(user),
		assignment=last_assignment(conversation.name),
		pending_transfer=frappe.db.get_value(
			"IQC Transfer",
			{"conversation": str(conversation.name), "status": "Pending"},
			["name", "to_operator", "expires_at"],
			as_dict=True,
		),
		line_mode=frappe.get_cached_value("IQC Line", conversation.line, "mode")
		if conversation.line
		else None,
		channel_type=frappe.get_cached_value("IQC Channel", conversation.channel, "channel_type"),
	)
	return {"conversation": fields, "client": client_card(conversation.client)}


def last_assignment(conversation: int) -> dict | None:
	return frappe.db.get_value(
		"IQC Assignment Log",
		{"conversation": str(conversation)},
		["rule", "reason", "assigned_at", "assigned_by", "load_before", "slots", "over_slots", "candidates"],
		as_dict=True,
		order_by="creation desc",
	)


def client_card(client: str | int) -> dict:
	card = frappe.db.get_value("IQC Client", str(client), CLIENT_FIELDS, as_dict=True)
	card.name = cint(card.name)
	card.online = bool(card.last_seen_at and now_datetime() - card.last_seen_at < ONLINE_FOR)
	card.identities = frappe.db.sql(
		"""select i.name, i.channel, i.external_id, i.label, i.unreachable, i.unreachable_reason,
			c.channel_type
		from `tabIQC Client Identity` i left join `tabIQC Channel` c on c.name = i.channel
		where i.parent=%s and i.parenttype='IQC Client' order by i.idx""",
		str(client),
		as_dict=True,
	)
	card.conversation_count = frappe.db.count("IQC Conversation", {"client": str(client)})
	card.call_count = call_count(client)
	card.previous = frappe.get_all(
		"IQC Conversation",
		filters={"client": str(client)},
		fields=["name", "status", "channel", "operator", "result", "category", "opened_at", "closed_at"],
		order_by="name desc",
		limit=PREVIOUS_CONVERSATIONS,
	)
	card.company_card = company_card(card.company)
	card.tasks = tasks_of(card.name)
	card.can_make_deals = bool(deal_app())
	return card


def find_clients(search: str, exclude: str | int | None = None, limit: int = 10) -> list[dict]:
	"""Profiles whose name, e-mail, phone or one of whose identities matches `search`, among those the
	current user reaches (records/client_access)."""
	search = search_text(search)
	if len(search) < 2:
		return []
	pattern = f"%{frappe.db.escape(search, percent=False)[1:-1]}%"
	reachable, values = reach_condition()
	return frappe.db.sql(
		f"""select distinct c.name, c.full_name, c.email, c.phone from `tabIQC Client` c
		left join `tabIQC Client Identity` i on i.parent = c.name and i.parenttype = 'IQC Client'
		where c.merged_into is null and c.name != %(exclude)s and (c.full_name like %(p)s
			or c.email like %(p)s or c.phone like %(p)s or i.external_id like %(p)s or i.label like %(p)s)
			and {reachable}
		order by c.last_seen_at desc limit %(limit)s""",
		{**values, "p": pattern, "exclude": str(cint(exclude)), "limit": limit},
		as_dict=True,
	)


def counters(user: str) -> dict:
	"""Per list: how many conversations, and how many have unread client messages."""

	def count(condition: str, values: dict) -> dict:
		total, unread = frappe.db.sql(
			f"""select count(*), coalesce(sum(c.unread_count > 0), 0) from `tabIQC Conversation` c
			where {condition}""",
			values,
		)[0]
		return {"total": cint(total), "unread": cint(unread)}

	result = {
		"mine": count("c.status='Open' and c.operator=%(user)s", {"user": user}),
		"collaborating": count(
			"""c.status!='Closed' and exists (select 1 from `tabIQC Conversation Collaborator` m
			where m.parenttype='IQC Conversation' and m.parent=c.name and m.user=%(user)s)""",
			{"user": user},
		),
	}
	if roles.is_supervisor(user):
		result["queue"] = count("c.status='Queued'", {})
		result["all"] = count("c.status!='Closed'", {})
	else:
		result["queue"] = count(
			"c.status='Queued' and c.line in %(lines)s", {"lines": lines_of(user) or [""]}
		)
	return result


def transfer_targets(user: str) -> dict:
	"""Operators one can hand the conversation to (with their status and load), and the lines."""
	operators = frappe.get_all(
		"IQC Operator", filters={"name": ["!=", user]}, fields=["name", "full_name", "status", "slots"]
	)
	loads = dict(
		frappe.db.sql(
			"select operator, count(*) from `tabIQC Conversation` where status='Open' group by operator"
		)
	)
	for row in operators:
		row.load = cint(loads.get(row.name))
		row.full_name = row.full_name or full_name(row.name)
	order = {status: i for i, status in enumerate(STATUSES)}
	operators.sort(key=lambda row: (order.get(row.status, 9), row.load, row.full_name))
	lines = frappe.get_all(
		"IQC Line", filters={"enabled": 1}, fields=["name", "line_name"], order_by="line_name"
	)
	return {"operators": operators, "lines": lines}
