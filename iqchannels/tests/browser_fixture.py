"""Data for the tests that drive a running site from outside (the browser tests and the socket.io
test): operators with known passwords, a line, an API channel with a known secret and a website chat;
a Telegram channel of the line on the Telegram stand-in (tests/telegram_standin.py, run as a process by
e2e/run) and an E-mail channel bound to an Email Account on the test mail servers (.ci/mailserver).

	bench --site SITE execute iqchannels.tests.browser_fixture.prepare \
		[--kwargs "{'telegram_api': 'http://127.0.0.1:8790'}"]

prints them as JSON. Each call makes new ones, so runs never meet each other's data.
"""

import frappe
from frappe.utils.password import update_password

from iqchannels.flows.statuses import change_status
from iqchannels.records.clients import client_for_identity
from iqchannels.records.roles import OPERATOR, SUPERVISOR
from iqchannels.records.rows import fast_insert
from iqchannels.tests.factories import make_channel, make_email_account, make_line, make_user, unique
from iqchannels.tests.telegram_standin import DEFAULT_TOKEN

MAIL_DOMAIN = "iqc-mail.test"

PASSWORD = "iqc-Browser-7431"


def person(role: str, first_name: str) -> str:
	user = make_user(role, first_name)
	update_password(user, PASSWORD)
	if role == OPERATOR:
		frappe.get_doc({"doctype": "IQC Operator", "user": user, "slots": 5, "status": "Offline"}).insert(
			ignore_permissions=True
		)
	return user


def prepare(telegram_api: str | None = None) -> dict:
	"""`telegram_api`: the stand-in's base URL (default $IQC_TELEGRAM_API, else 127.0.0.1:8790)."""
	import os

	telegram_api = (telegram_api or os.environ.get("IQC_TELEGRAM_API") or "http://127.0.0.1:8790").rstrip("/")
	frappe.set_user("Administrator")
	# A fresh test site has not been through the setup wizard, which the desk would open instead.
	frappe.db.set_single_value("System Settings", "setup_complete", 1)
	# The browser tests count slots as a fresh site does: a call takes none.
	frappe.db.set_single_value("IQC Settings", "calls_take_slots", 0)
	ann = person(OPERATOR, "Ann")
	bob = person(OPERATOR, "Bob")
	stranger = person(OPERATOR, "Stranger")
	supervisor = person(SUPERVISOR, "Sue")
	line = make_line([ann, bob])
	make_line([stranger])
	secret = frappe.generate_hash(length=32)
	channel = make_channel(line, "API", secret=secret)
	# The website chat of the same line: a visitor's messages reach Ann as a partner's do.
	website_chat = make_channel(
		line,
		"Web widget",
		greeting_text="Hello! An operator will answer shortly.",
		csat_text="Please rate our help",
	)
	# Telegram through the stand-in: inserting the channel registers the site's webhook with it.
	telegram = make_channel(
		line,
		"Telegram",
		bot_token=DEFAULT_TOKEN,
		api_base_url=telegram_api,
		telegram_mode="Webhook",
	)
	if not registered(telegram_api, telegram.name):
		frappe.throw(f"The Telegram channel did not register its webhook with {telegram_api}")
	# E-mail: a mailbox on the test mail servers, bound to a channel of the same line.
	email_address = f"{unique('support')}@{MAIL_DOMAIN}"
	email_account = make_email_account(email_address)
	email_channel = make_channel(line, "E-mail", email_account=email_account.name)
	shortcut = unique("thanks")
	frappe.get_doc(
		{
			"doctype": "IQC Quick Reply",
			"title": "Thanks",
			"shortcut": shortcut,
			"scope": "Global",
			"text": "Thank you for waiting!",
		}
	).insert(ignore_permissions=True)
	# A ticket type of their own, so that the tickets test finds it among the defaults.
	ticket_type = frappe.get_doc(
		{
			"doctype": "IQC Ticket Type",
			"type_name": unique("Broken parcel"),
			"enabled": 1,
			"resolution_hours": 48,
		}
	).insert(ignore_permissions=True)
	frappe.set_user(ann)
	change_status(ann, "Active")
	frappe.set_user("Administrator")
	frappe.db.commit()
	return {
		"password": PASSWORD,
		"ann": ann,
		"bob": bob,
		"stranger": stranger,
		"supervisor": supervisor,
		"line": line,
		"channel": channel.name,
		"secret": secret,
		"website_chat": website_chat.name,
		"quick_reply": shortcut,
		"ticket_type": ticket_type.name,
		"telegram_channel": telegram.name,
		"telegram_api": telegram_api,
		"telegram_token": DEFAULT_TOKEN,
		"email_channel": email_channel.name,
		"email_account": email_account.name,
		"email_address": email_address,
	}


def registered(telegram_api: str, channel: str) -> bool:
	"""Whether the stand-in's webhook is now this channel's."""
	import json
	import urllib.request

	with urllib.request.urlopen(f"{telegram_api}/control/webhook", timeout=10) as answer:
		webhook = json.load(answer)["result"]
	return (webhook.get("url") or "").endswith(f"channel={channel}")


def long_history(operator: str, channel: str, messages: int = 2000, per_conversation: int = 50) -> dict:
	"""A client who has written for years: `messages` messages over closed conversations and one open
	with `operator`, written directly as they would have accumulated. Also a second, short
	conversation of another client with the same operator, to switch to and back."""
	from frappe.utils import add_to_date, now_datetime

	frappe.set_user("Administrator")
	channel_doc = frappe.get_doc("IQC Channel", channel)
	line = channel_doc.default_line
	client = client_for_identity(channel_doc, unique("long"), {"full_name": "Long History Client"})
	short_client = client_for_identity(channel_doc, unique("short"), {"full_name": "Short History Client"})
	start = add_to_date(now_datetime(), days=-400)
	count = (messages + per_conversation - 1) // per_conversation
	rows, names = [], []
	for c in range(count):
		is_last = c == count - 1
		opened = add_to_date(start, days=c * 10)
		conversation = conversation_of(client, channel, line, operator, opened, closed=not is_last)
		names.append(conversation.name)
		for i in range(min(per_conversation, messages - c * per_conversation)):
			from_client = i % 2 == 0
			rows.append(
				(
					conversation.name,
					client,
					channel,
					"Client" if from_client else "Operator",
					None if from_client else operator,
					f"Message {c * per_conversation + i + 1} of the long history",
					"Read",
					add_to_date(opened, minutes=i),
				)
			)
	bulk_messages(rows)
	short = conversation_of(short_client, channel, line, operator, now_datetime(), closed=False)
	bulk_messages(
		[(short.name, short_client, channel, "Client", None, "Just one question", "Read", now_datetime())]
	)
	frappe.db.commit()
	return {"conversation": names[-1], "other": short.name, "last_text": rows[-1][5], "messages": len(rows)}


def conversation_of(client, channel, line, operator, opened, closed: bool):
	return frappe.get_doc(
		{
			"doctype": "IQC Conversation",
			"client": client,
			"client_name": frappe.db.get_value("IQC Client", client, "full_name"),
			"channel": channel,
			"line": line,
			"status": "Closed" if closed else "Open",
			"operator": operator,
			"result": "Resolved" if closed else None,
			"opened_at": opened,
			"assigned_at": opened,
			"last_message_at": opened,
			"closed_at": opened if closed else None,
		}
	).insert(ignore_permissions=True)


def bulk_messages(rows: list[tuple]) -> None:
	fields = [
		"conversation",
		"client",
		"channel",
		"author_type",
		"author",
		"text",
		"delivery_status",
		"sent_at",
	]
	for row in rows:
		fast_insert(
			frappe.get_doc({"doctype": "IQC Message", "kind": "Text", **dict(zip(fields, row, strict=True))})
		)


def staffing_day(line: str, operator: str, days_ago: int = 2) -> dict:
	"""A past morning of the line for the staffing page: `operator` Active 10:00-12:30 with 5 slots, a client
	every 2 minutes from 10:00 to 11:00 with 12 minutes of handling each, served first come, first served, so
	that clients wait. Written as the site writes conversations and status logs."""
	import heapq
	from datetime import datetime, timedelta

	from frappe.utils import add_days, getdate, today

	from iqchannels.records.rows import insert_row

	frappe.set_user("Administrator")
	day = datetime.combine(getdate(add_days(today(), -days_ago)), datetime.min.time())
	opens, closes = day + timedelta(hours=10), day + timedelta(hours=12, minutes=30)
	for when, old, new in ((opens, "Offline", "Active"), (closes, "Active", "Offline")):
		insert_row(
			"IQC Operator Status Log", operator=operator, from_status=old, to_status=new, changed_at=when
		)
	channel = frappe.get_doc("IQC Channel", frappe.db.get_value("IQC Channel", {"default_line": line}))
	free_at = [opens] * 5  # when each of the operator's slots is next free
	for n in range(30):
		queued = opens + timedelta(minutes=2 * n)
		assigned = max(queued, heapq.heappop(free_at))
		closed = assigned + timedelta(minutes=12)
		heapq.heappush(free_at, closed)
		client = client_for_identity(channel, unique("staffing"), {"full_name": f"Staffing client {n + 1}"})
		insert_row(
			"IQC Conversation",
			client=client,
			client_name=f"Staffing client {n + 1}",
			channel=channel.name,
			line=line,
			status="Closed",
			operator=operator,
			result="Resolved",
			opened_at=queued,
			queued_at=queued,
			assigned_at=assigned,
			first_response_at=assigned + timedelta(seconds=20),
			last_message_at=closed,
			closed_at=closed,
		)
	frappe.db.commit()
	return {"date": str(day.date()), "conversations": 30}
