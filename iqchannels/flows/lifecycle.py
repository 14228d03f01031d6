"""The conversation lifecycle (layer: flows, the lowest of them): open, queue, assign, requeue, close, spam.

The engine decides; these functions load what it needs, write its decisions and announce them.
Conditional updates (`... where status = 'Queued'`) make assignment and requeue safe when two workers
or two operators act on one conversation at once.
"""

import frappe
from frappe import _
from frappe.utils import cint, now_datetime

from iqchannels.channels.registry import adapter_of
from iqchannels.engine.lifecycle import SilenceState, ensure_can_close, queue_priority, silent_conversations
from iqchannels.engine.routing import Assignment
from iqchannels.flows.group_relay import deliver
from iqchannels.records import realtime, settings, wakeups
from iqchannels.records.exceptions import fail
from iqchannels.records.inputs import plain_number
from iqchannels.records.lines import is_working_now, line_for
from iqchannels.records.messages import add_message, add_system_message
from iqchannels.records.operators import full_name
from iqchannels.records.queue import all_busy_text
from iqchannels.records.rows import fast_insert, insert_row

SPAM_RESULT = "Spam"
SILENCE_RESULT = "Client silent"
MAX_RATING_COMMENT = 1000


def open_conversation(client, channel, text: str = "", subject: str | None = None, autoreplies: bool = True):
	"""Open the client's next conversation on `channel` and queue it in the line routing chooses;
	`autoreplies`: greet the client (not when a machine wrote: two autoresponders never ping-pong).

	Its remarks and autoreplies are not announced one by one: the client's message that opened it
	(receiving) follows in the same transaction, and its `message-created` has every screen that shows
	the conversation or its client read the messages again; one event each would only repeat that."""
	now = now_datetime()
	choice = line_for(channel, client, text, now)
	line = frappe.get_cached_doc("IQC Line", choice.line)
	conversation = insert_row(
		"IQC Conversation",
		client=client.name,
		client_name=client.full_name,
		channel=channel.name,
		subject=(subject or "")[:140] or None,
		line=line.name,
		routing_rule=choice.rule,
		status="Queued",
		priority=queue_priority(bool(client.vip), line.priority),
		opened_at=now,
		queued_at=now,
		last_message_at=now,
	)
	conversation.flags.opened_here = True
	add_system_message(
		conversation,
		_("Conversation #{0} opened, waiting in line {1}").format(conversation.name, line.name),
		publish=False,
	)
	if choice.rule:
		add_system_message(
			conversation, _("Routed to line {0} by rule {1}").format(line.name, choice.rule), publish=False
		)
	if autoreplies:
		greet(conversation, channel, is_working_now(line.name, now))
	realtime.publish_conversation("conversation-queued", conversation)
	wakeups.request(line.name)
	return conversation


def greet(conversation, channel, working: bool) -> None:
	"""The autoreplies of a new conversation: off hours, or the greeting and the all-busy notice."""
	if not working:
		if off_hours := settings.autoreply(channel, "off_hours_text"):
			say(conversation, "Bot", off_hours, publish=False)
		return
	if greeting := settings.autoreply(channel, "greeting_text"):
		say(conversation, "Bot", greeting, publish=False)
	if template := settings.autoreply(channel, "all_busy_text"):
		if busy := all_busy_text(conversation, template):
			say(conversation, "Bot", busy, publish=False)


def say(conversation, author_type: str, text: str, **fields):
	"""Store a message in the conversation and, unless it is internal, bring it to the client through
	the conversation's channel: ours start in the state the channel gives them (Pending while it
	still has to deliver them). In a group chat the other clients get it too; `client` and `channel`
	in `fields`: a message one of the group's other clients wrote."""
	adapter = adapter_of(conversation.channel)
	if author_type != "Client" and not fields.get("internal") and "delivery_status" not in fields:
		fields["delivery_status"] = adapter.reply_state(conversation.channel)
	message = add_message(conversation, author_type, text, **fields)
	if not fields.get("internal"):
		deliver(conversation, message)
	return message


def typing(conversation, who: str, typing: bool, user: str | None = None) -> None:
	"""Someone is typing in the conversation: its operators hear it, and the client when an operator types."""
	realtime.publish_typing(conversation, who, typing, user)
	if who == "operator":
		adapter_of(conversation.channel).notify(
			conversation, "typing", {"conversation": conversation.name, "typing": typing}
		)


def assign(
	name: str, user: str, decision: Assignment, by: str | None = None, from_operator: str | None = None
) -> bool:
	"""Give a conversation to `user` as `decision` says, and log why.

	Only a queued conversation is taken, or, for a supervisor's reassignment, one still held by
	`from_operator`: False when someone else changed it first.
	"""
	now = now_datetime()
	frappe.db.sql(
		f"""update `tabIQC Conversation`
		set status='Open', operator=%(user)s, assigned_at=%(now)s, assignment_reason=%(reason)s,
			modified=%(now)s
		where name=%(name)s and {"status='Open' and operator=%(previous)s" if from_operator else "status='Queued'"}""",
		{"user": user, "now": now, "reason": decision.reason, "name": name, "previous": from_operator},
	)
	if not frappe.db._cursor.rowcount:
		return False
	frappe.db.set_value("IQC Operator", user, "last_assigned_at", now, update_modified=False)
	conversation = core_of(name)
	log_assignment(conversation, decision, now, by)
	add_system_message(conversation, assigned_text(decision))
	# Whoever saw it waiting (the line, through its room) or held it before hears that it is taken.
	realtime.publish_conversation(
		"conversation-assigned",
		conversation,
		reason=decision.reason,
		also_to=[from_operator],
		to_line=not from_operator,
	)
	return True


# What writing messages into a conversation, delivering them (a group chat's to each of its clients) and
# telling people about it needs of it.
CORE_FIELDS = [
	"name",
	"client",
	"channel",
	"line",
	"status",
	"operator",
	"unread_count",
	"first_response_at",
	"kind",
]


def core_of(name) -> frappe._dict:
	"""The conversation's core fields, lighter than the whole document where many are assigned at once."""
	rows = frappe.db.sql(
		f"select {', '.join(CORE_FIELDS)} from `tabIQC Conversation` where name=%s", name, as_dict=True
	)
	return rows[0] if rows else None


def log_assignment(conversation, decision: Assignment, at, by: str | None) -> None:
	fast_insert(
		frappe.get_doc(
			{"doctype": "IQC Assignment Log", **assignment_log_row(conversation, decision, at, by)}
		)
	)


def assignment_log_row(conversation, decision: Assignment, at, by: str | None) -> dict:
	"""Why a conversation went to whom, as the supervisor's "why" and the reports read it."""
	return {
		"conversation": conversation.name,
		"line": conversation.line,
		"operator": decision.operator,
		"assigned_at": at,
		"rule": decision.rule,
		"reason": decision.reason,
		"assigned_by": by,
		"load_before": decision.load_before,
		"slots": decision.slots,
		"over_slots": int(decision.over_slots),
		"available": decision.available,
		"candidates": ", ".join(decision.candidates),
	}


def assigned_text(decision: Assignment) -> str:
	return _("Assigned to {0}: {1}").format(full_name(decision.operator), decision.reason)


def requeue(name: str, why: str) -> bool:
	"""Return an open conversation to its line's queue; False when it was not open any more."""
	previous = frappe.db.get_value("IQC Conversation", name, "operator")
	now = now_datetime()
	frappe.db.sql(
		"""update `tabIQC Conversation`
		set status='Queued', operator=null, queued_at=%(now)s, assignment_reason=null, modified=%(now)s
		where name=%(name)s and status='Open'""",
		{"now": now, "name": name},
	)
	if not frappe.db._cursor.rowcount:
		return False
	conversation = frappe.get_doc("IQC Conversation", name)
	add_system_message(
		conversation, _("Returned to the queue of line {0}: {1}").format(conversation.line, why)
	)
	realtime.publish_conversation(
		"conversation-queued", conversation, also_to=[previous], previous_operator=previous
	)
	wakeups.request(conversation.line)
	return True


def close(conversation, result: str, category: str | None = None, by: str | None = None, spam: bool = False):
	ensure_can_close(conversation.status, result)
	if not frappe.db.get_value("IQC Close Result", result, "enabled"):
		fail("invalid", "Unknown result {0}: choose one of the results in the list.", result)
	if category and not frappe.db.exists("IQC Category", category):
		fail("invalid", "Unknown category {0}.", category)
	held_slot = conversation.status == "Open"
	now = now_datetime()
	# Closed only as the caller saw it: a request that lands just after the conversation went back to
	# the queue or to someone else (an operator's status change, a transfer, on any host) closes nothing.
	frappe.db.sql(
		"""update `tabIQC Conversation`
		set status='Closed', result=%(result)s, category=coalesce(%(category)s, category), closed_at=%(now)s,
			closed_by=%(by)s, spam=%(spam)s, modified=%(now)s
		where name=%(name)s and status=%(seen)s and operator <=> %(operator)s""",
		{
			"result": result,
			"category": category,
			"now": now,
			"by": by,
			"spam": int(spam),
			"name": conversation.name,
			"seen": conversation.status,
			"operator": conversation.operator,
		},
	)
	if not frappe.db._cursor.rowcount:
		# A locking read: the latest committed status, not this transaction's snapshot.
		latest = frappe.db.sql(
			"select status from `tabIQC Conversation` where name=%s for update", conversation.name
		)
		if latest and latest[0][0] == "Closed":
			fail("conflict", "The conversation is already closed.")
		fail(
			"conflict",
			"The conversation went back to the queue or to someone else meanwhile: it was not closed.",
		)
	conversation.reload()
	who = full_name(by) if by else _("The system")
	add_system_message(conversation, _("{0} closed the conversation: {1}").format(who, _(result)))
	channel = frappe.get_cached_doc("IQC Channel", conversation.channel)
	# A callback request ends with a call: no closing text or rating request follows it.
	if not spam and conversation.kind != "Callback":
		if closing := settings.autoreply(channel, "closing_text"):
			say(conversation, "Bot", closing)
		if csat := settings.autoreply(channel, "csat_text"):
			say(conversation, "Bot", csat)
	# Closed from the queue (spam, silence): the line's members see it leave.
	realtime.publish_conversation("conversation-closed", conversation, to_line=not held_slot, result=result)
	adapter_of(conversation.channel).notify(
		conversation,
		"conversation-closed",
		{"conversation": conversation.name, "rate": rating_requested(conversation)},
	)
	if held_slot:
		wakeups.request(conversation.line)
	return conversation


def mark_spam(conversation, by: str, block_client: bool = True):
	close(conversation, SPAM_RESULT, by=by, spam=True)
	if block_client:
		frappe.db.set_value("IQC Client", conversation.client, "blocked", 1)
		add_system_message(conversation, _("{0} blocked the client").format(full_name(by)))
	return conversation


def set_category(conversation, category: str | None):
	if category and not frappe.db.exists("IQC Category", category):
		fail("invalid", "Unknown category {0}.", category)
	frappe.db.set_value("IQC Conversation", conversation.name, "category", category or None)


def auto_close_silent() -> list[str]:
	"""Scheduler job: close open conversations whose client stopped answering the operator."""
	silence = settings.auto_close_after()
	if not silence:
		return []
	now = now_datetime()
	rows = frappe.get_all(
		"IQC Conversation",
		filters={"status": "Open", "last_operator_message_at": ["<=", now - silence]},
		fields=["name", "status", "last_client_message_at", "last_operator_message_at"],
	)
	due = silent_conversations((SilenceState(**row) for row in rows), now, silence)
	result = settings.settings().auto_close_result or SILENCE_RESULT
	text = settings.settings().auto_close_text
	for name in due:
		conversation = frappe.get_doc("IQC Conversation", name)
		if text:
			say(conversation, "Bot", text)
		close(conversation, result)
	return due


def unread_reset(conversation) -> int:
	"""Mark the client's messages in the conversation read by the operator; returns how many."""
	now = now_datetime()
	frappe.db.sql(
		"""update `tabIQC Message` set delivery_status='Read', read_at=%(now)s
		where conversation=%(name)s and author_type='Client' and delivery_status!='Read'""",
		{"now": now, "name": str(conversation.name)},
	)
	count = frappe.db._cursor.rowcount
	frappe.db.set_value("IQC Conversation", conversation.name, "unread_count", 0, update_modified=False)
	if count:
		adapter_of(conversation.channel).notify(
			conversation, "messages-read", {"conversation": conversation.name}
		)
	return cint(count)


def rating_requested(conversation) -> bool:
	"""Whether the client was asked to rate this conversation and has not yet."""
	return bool(
		conversation.status == "Closed"
		and not conversation.spam
		and not conversation.csat_rating
		and settings.autoreply(frappe.get_cached_doc("IQC Channel", conversation.channel), "csat_text")
	)


def rate(conversation, rating, comment: str | None = None):
	"""The client's 1-5 rating of a closed conversation, given once."""
	if conversation.status != "Closed":
		fail("conflict", "A conversation can be rated once it is closed.")
	if conversation.csat_rating:
		fail("conflict", "This conversation is already rated.")
	if not 1 <= (plain_number(rating) or 0) <= 5:
		fail("invalid", "The rating must be a whole number from 1 to 5.")
	comment = (comment or "").strip() or None
	if comment and len(comment) > MAX_RATING_COMMENT:
		fail("invalid", "The comment is longer than {0} characters.", MAX_RATING_COMMENT)
	changes = {"csat_rating": int(rating), "csat_comment": comment, "csat_at": now_datetime()}
	frappe.db.set_value("IQC Conversation", conversation.name, changes, update_modified=False)
	conversation.update(changes)
	realtime.publish_conversation("conversation-rated", conversation, rating=int(rating))
	return conversation
