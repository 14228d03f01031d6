"""The e-mail channel on a real site through real mail servers: Dovecot holds the mailboxes, the SMTP
server of tests/mail_servers.py delivers into them (both started by .ci/mailserver when they are down).

Clients write by SMTP to the channel's mailbox; the channel's Email Account is pulled as Frappe's
scheduler pulls it; operators' replies go out through Frappe's Email Queue and are read back from the
client's mailbox over IMAP."""

import base64
import email.message
import email.utils
from datetime import timedelta

import frappe
from frappe.utils import get_bench_path, now_datetime

from iqchannels.channels import registry
from iqchannels.flows import lifecycle, mailboxes
from iqchannels.flows.replies import post_operator_message
from iqchannels.tests import mail_servers, sample_files
from iqchannels.tests.factories import (
	IQCTestCase,
	make_channel,
	make_email_account,
	make_line,
	make_operator,
	unique,
)

DOMAIN = "iqc-mail.test"


def make_mail(
	sender: str,
	to: str,
	subject: str = "Router",
	text: str | None = "Hello",
	html: str | None = None,
	message_id: str | None = None,
	in_reply_to: str | None = None,
	references: str | None = None,
	headers: dict | None = None,
	files: list | None = None,
) -> email.message.EmailMessage:
	mail = email.message.EmailMessage()
	mail["From"] = sender
	mail["To"] = to
	mail["Subject"] = subject
	mail["Date"] = email.utils.formatdate()
	mail["Message-ID"] = message_id or email.utils.make_msgid(domain="client.test")
	if in_reply_to:
		mail["In-Reply-To"] = in_reply_to
	if references:
		mail["References"] = references
	for name, value in (headers or {}).items():
		mail[name] = value
	if text is not None:
		mail.set_content(text)
	if html is not None:
		if text is None:
			mail.set_content(html, subtype="html")
		else:
			mail.add_alternative(html, subtype="html")
	for name, content, maintype, subtype in files or []:
		mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
	return mail


class EmailTestCase(IQCTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		mail_servers.ensure_running(get_bench_path())

	def setUp(self):
		super().setUp()
		self.support = f"{unique('support')}@{DOMAIN}"
		self.account = make_email_account(self.support)
		self.line = make_line([])
		self.channel = make_channel(self.line, "E-mail", email_account=self.account.name)
		self.ann = f"{unique('ann')}@client.test"
		frappe.db.commit()
		# Frappe sends no mail in tests unless told to: these tests are about sending it.
		frappe.flags.testing_email = True

	def tearDown(self):
		frappe.flags.testing_email = False
		super().tearDown()

	def write(self, mail=None, sender: str | None = None, **kwargs) -> email.message.EmailMessage:
		"""The client sends a mail to the channel's address by SMTP."""
		mail = mail or make_mail(f"Ann Smith <{self.ann}>", self.support, **kwargs)
		mail_servers.send(mail, sender=sender)
		return mail

	def pull(self) -> int:
		return mailboxes.pull(self.account.name)

	def client_messages(self, **filters) -> list:
		return frappe.get_all(
			"IQC Message",
			filters={"channel": self.channel.name, "author_type": "Client", **filters},
			fields=[
				"name",
				"conversation",
				"text",
				"kind",
				"attachment",
				"external_id",
				"original_html",
				"client",
			],
			order_by="name",
		)

	def messages_of(self, conversation, author_type: str | None = None) -> list:
		filters = {"conversation": str(conversation)}
		if author_type:
			filters["author_type"] = author_type
		return frappe.get_all(
			"IQC Message",
			filters=filters,
			fields=["name", "author_type", "text", "kind", "attachment", "delivery_status", "external_id"],
			order_by="name",
		)

	def deliver_all(self, conversation) -> None:
		"""Run the delivery attempts the workers would run for the conversation's pending messages."""
		for row in self.messages_of(conversation):
			if row.delivery_status == "Pending":
				registry.attempt(row.name)
		frappe.db.commit()


class TestInbound(EmailTestCase):
	def test_a_mail_becomes_a_clients_message_in_a_new_conversation_with_its_subject(self):
		sent = self.write(subject="Router is broken", text="My router blinks red since this morning.")
		self.assertEqual(self.pull(), 1)
		[message] = self.client_messages()
		self.assertEqual(message.text, "My router blinks red since this morning.")
		self.assertEqual(message.external_id, sent["Message-ID"])
		conversation = frappe.get_doc("IQC Conversation", message.conversation)
		self.assertEqual(conversation.subject, "Router is broken")
		self.assertEqual(conversation.status, "Queued")
		self.assertEqual(conversation.line, self.line)
		client = frappe.get_doc("IQC Client", message.client)
		self.assertEqual((client.full_name, client.email), ("Ann Smith", self.ann))
		[identity] = [i for i in client.identities if i.channel == self.channel.name]
		self.assertEqual((identity.external_id, identity.label), (self.ann, self.ann))
		# Read and taken: the next pull finds nothing new.
		self.assertEqual(self.pull(), 0)

	def test_the_senders_address_finds_the_same_client_whatever_its_case(self):
		self.write(subject="One")
		self.write(mail=make_mail(f"ANN <{self.ann.upper()}>", self.support, subject="Two"))
		self.pull()
		self.assertEqual(len({m.client for m in self.client_messages()}), 1)

	def test_replies_join_their_thread_a_new_subject_or_a_reply_after_the_close_opens_a_new_one(self):
		first = self.write(subject="Router", text="It blinks red.")
		self.pull()
		reply = self.write(
			subject="Re: Router",
			text="Now it blinks green.",
			in_reply_to=first["Message-ID"],
			references=first["Message-ID"],
		)
		other = self.write(subject="Invoice", text="Where is my invoice?")
		self.pull()
		by_id = {m.external_id: m.conversation for m in self.client_messages()}
		self.assertEqual(by_id[reply["Message-ID"]], by_id[first["Message-ID"]])
		self.assertNotEqual(by_id[other["Message-ID"]], by_id[first["Message-ID"]])
		self.assertEqual(
			frappe.db.get_value("IQC Conversation", by_id[other["Message-ID"]], "subject"), "Invoice"
		)

		lifecycle.close(frappe.get_doc("IQC Conversation", by_id[first["Message-ID"]]), "Resolved")
		frappe.db.commit()
		late = self.write(
			subject="Re: Router",
			text="It is broken again.",
			in_reply_to=reply["Message-ID"],
			references=f"{first['Message-ID']} {reply['Message-ID']}",
		)
		self.pull()
		late_conversation = self.client_messages(external_id=late["Message-ID"])[0].conversation
		self.assertNotIn(late_conversation, by_id.values())
		self.assertEqual(frappe.db.get_value("IQC Conversation", late_conversation, "subject"), "Router")

	def test_html_becomes_safe_text_and_the_sanitised_original_is_kept(self):
		html = (
			"<html><head><style>p{color:red}</style></head><body><p>Hello, <b>support</b>!</p>"
			'<script>alert("x")</script><p onclick="steal()">See <a href="https://example.com/order/7">'
			'my order</a></p><img src="https://tracker.example/pixel.gif"></body></html>'
		)
		self.write(text=None, html=html)
		self.pull()
		[message] = self.client_messages()
		self.assertEqual(message.text, "Hello, support!\n\nSee my order (https://example.com/order/7)")
		self.assertIn("<b>support</b>", message.original_html)
		for unsafe in ("<script", "alert(", "onclick", "steal()", "tracker.example"):
			self.assertNotIn(unsafe, message.original_html)

	def test_quoted_history_and_signature_below_the_reply_are_trimmed(self):
		self.write(
			text="Thanks, it works now.\n\nOn Mon, 5 Jan 2026 at 10:00, Support <s@x.test> wrote:\n"
			"> Please restart the router.\n> Support\n"
		)
		self.write(text="Спасибо!\n\n-- \nАнна Смирнова\n+7 900 000-00-00")
		self.write(
			text="Дякую, все працює.\n\nчт, 12 жовт. 2023 р. о 15:32 Support <s@x.test> пише:\n> Перезавантажте."
		)
		self.write(text="Call me.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\n\nOld text")
		self.pull()
		self.assertEqual(
			[m.text for m in self.client_messages()],
			["Thanks, it works now.", "Спасибо!", "Дякую, все працює.", "Call me."],
		)

	def test_attachments_and_inline_images_are_checked_and_stored_privately(self):
		png = sample_files.image("PNG")
		mail = make_mail(
			f"Ann <{self.ann}>",
			self.support,
			text="Photo of the router and the contract.",
			html='<p>Photo of the router and the contract.</p><img src="cid:router-photo">',
			files=[("contract.pdf", sample_files.PDF, "application", "pdf")],
		)
		# The photo sits inline in the HTML, as mail programs put pasted pictures.
		html_part = mail.get_body(("html",))
		html_part.add_related(png, maintype="image", subtype="png", cid="<router-photo>")
		self.write(mail=mail)
		self.pull()
		messages = self.client_messages()
		self.assertEqual(
			[(m.kind, m.text) for m in messages],
			[
				("Text", "Photo of the router and the contract."),
				("Image", "image-1.png"),
				("File", "contract.pdf"),
			],
		)
		for message, content in zip(messages[1:], (png, sample_files.PDF), strict=True):
			file = frappe.get_doc("File", {"file_url": message.attachment})
			self.assertTrue(file.is_private)
			with open(file.get_full_path(), "rb") as stored:
				self.assertEqual(stored.read(), content)

	def test_refused_files_are_not_stored_and_the_client_is_told_by_mail(self):
		before = self.count("File")
		self.write(
			text="Here are the files.",
			files=[
				("setup.exe", sample_files.EXE, "application", "octet-stream"),
				("photo.png", sample_files.PDF, "image", "png"),
			],
		)
		self.pull()
		[message] = self.client_messages()
		self.assertEqual(message.text, "Here are the files.")
		self.assertEqual(self.count("File"), before)
		bot = [m.text for m in self.messages_of(message.conversation, "Bot")]
		self.assertTrue(any("exe" in text for text in bot), bot)
		self.assertTrue(any("photo.png" in text for text in bot), bot)
		mail_servers.empty(self.ann)
		self.deliver_all(message.conversation)
		told = mail_servers.wait_for_messages(self.ann, 2)
		bodies = [m.get_body(("plain",)).get_content() for m in told]
		self.assertTrue(any("photo.png" in body for body in bodies), bodies)
		# Autoreplies are marked as such, so the client's own autoresponder does not answer them.
		self.assertTrue(all(m["Auto-Submitted"] == "auto-replied" for m in told))

	def test_russian_mail_in_old_charsets_with_an_encoded_subject_and_file_name(self):
		mail = email.message.EmailMessage()
		mail["From"] = f"=?koi8-r?b?{base64.b64encode('Анна'.encode('koi8-r')).decode()}?= <{self.ann}>"
		mail["To"] = self.support
		mail["Subject"] = "=?windows-1251?q?=D0=EE=F3=F2=E5=F0?="  # "Роутер"
		mail["Message-ID"] = email.utils.make_msgid(domain="client.test")
		mail.set_content("Не работает роутер.".encode("cp1251"), maintype="text", subtype="plain")
		mail.replace_header("Content-Type", 'text/plain; charset="windows-1251"')
		mail.add_attachment(
			sample_files.PDF, maintype="application", subtype="pdf", filename=("utf-8", "", "Договор.pdf")
		)
		self.write(mail=mail)
		self.pull()
		[text, document] = self.client_messages()
		self.assertEqual(text.text, "Не работает роутер.")
		self.assertEqual(document.text, "Договор.pdf")
		self.assertEqual(frappe.db.get_value("IQC Conversation", text.conversation, "subject"), "Роутер")
		self.assertEqual(frappe.db.get_value("IQC Client", text.client, "full_name"), "Анна")

	def test_a_repeated_message_id_stores_one_message(self):
		mail = self.write(text="Once")
		mail_servers.send(mail)
		self.pull()
		mail_servers.send(mail)
		self.pull()
		self.assertEqual(len(self.client_messages()), 1)

	def test_a_mail_that_cannot_be_understood_is_acknowledged_and_logged_and_the_others_still_come(self):
		errors = self.count("Error Log")
		raw = b"Subject: no sender at all\r\nMessage-ID: <broken@client.test>\r\n\r\nWho am I?\r\n"
		mail_servers.send(raw, sender=self.ann, recipients=[self.support])
		self.write(text="A good mail after the bad one.")
		self.assertEqual(self.pull(), 2)
		self.assertEqual([m.text for m in self.client_messages()], ["A good mail after the bad one."])
		logs = frappe.get_all(
			"Error Log",
			filters={"reference_name": self.channel.name},
			fields=["method", "error"],
		)
		self.assertEqual(len(logs), 1)
		self.assertIn("no sender address", logs[0].error)
		self.assertIn("no sender at all", logs[0].error)
		self.assertTrue(frappe.db.exists("Unhandled Email", {"email_account": self.account.name}))
		# Acknowledged: it is not offered again.
		self.assertEqual(self.pull(), 0)
		self.assertEqual(self.count("Error Log"), errors + 1)
		self.assertFalse(self.count("IQC Client", email=None, full_name="Who am I?"))

	def test_our_own_mail_in_the_mailbox_is_not_a_client(self):
		self.write(mail=make_mail(self.support, self.support, text="Copy of our reply"))
		self.pull()
		self.assertEqual(self.client_messages(), [])

	def test_a_mailbox_that_cannot_be_reached_shows_on_the_channel(self):
		self.account.db_set("incoming_port", 1199)  # nothing listens there
		self.assertEqual(self.pull(), 0)
		error = frappe.db.get_value("IQC Channel", self.channel.name, "last_error")
		self.assertTrue(error.startswith("Incoming mail:"), error)
		self.assertIn("refused", error.lower())
		self.account.db_set("incoming_port", mail_servers.IMAP_PORT)
		self.write()
		self.assertEqual(self.pull(), 1)
		self.assertFalse(frappe.db.get_value("IQC Channel", self.channel.name, "last_error"))

	def test_frappes_scheduler_pulls_a_bound_account_into_the_channel(self):
		if mailboxes.ChannelEmailAccount not in type(self.account).__mro__:
			self.skipTest(
				"hooks.py does not yet give Email Account the class flows.mailboxes.ChannelEmailAccount"
			)
		from frappe.email.doctype.email_account.email_account import pull_from_email_account

		self.write(text="Through Frappe's own job")
		pull_from_email_account(self.account.name)
		self.assertEqual([m.text for m in self.client_messages()], ["Through Frappe's own job"])
		self.assertFalse(frappe.db.exists("Communication", {"email_account": self.account.name}))


class TestMachineWrittenMail(EmailTestCase):
	def setUp(self):
		super().setUp()
		self.channel.db_set("greeting_text", "Thank you, we will answer soon.")
		frappe.clear_document_cache("IQC Channel", self.channel.name)
		frappe.db.commit()

	def bot_messages(self, external_id: str) -> list:
		[message] = self.client_messages(external_id=external_id)
		return [m for m in self.messages_of(message.conversation) if m.author_type == "Bot"]

	def test_a_persons_mail_is_greeted(self):
		mail = self.write(text="Hello")
		self.pull()
		self.assertEqual(
			[m.text for m in self.bot_messages(mail["Message-ID"])], ["Thank you, we will answer soon."]
		)

	def test_auto_replies_bounces_and_list_mail_are_stored_but_never_answered(self):
		auto = self.write(text="I am on holiday.", headers={"Auto-Submitted": "auto-replied"})
		vacation = self.write(
			text="Out of office", headers={"X-Autoreply": "yes", "Precedence": "auto_reply"}
		)
		listed = self.write(
			text="Newsletter", headers={"List-Id": "<news.client.test>", "Precedence": "list"}
		)
		bounce = make_mail(
			"Mail Delivery System <MAILER-DAEMON@client.test>",
			self.support,
			subject="Undelivered",
			text="550",
		)
		self.write(mail=bounce, sender="")
		self.pull()
		for mail in (auto, vacation, listed, bounce):
			self.assertEqual(len(self.client_messages(external_id=mail["Message-ID"])), 1)
			self.assertEqual(self.bot_messages(mail["Message-ID"]), [], mail["Subject"])


class TestOutbound(EmailTestCase):
	def setUp(self):
		super().setUp()
		self.operator = make_operator("Active")
		frappe.db.commit()

	def client_conversation(self, **kwargs):
		mail = self.write(**kwargs)
		self.pull()
		[message] = self.client_messages(external_id=mail["Message-ID"])
		return mail, frappe.get_doc("IQC Conversation", message.conversation)

	def test_the_operators_reply_and_file_arrive_in_the_clients_mailbox_in_the_thread(self):
		first, conversation = self.client_conversation(subject="Router is broken", text="It blinks red.")
		mail_servers.empty(self.ann)
		reply = post_operator_message(conversation, self.operator, "Please restart it.\nThen tell us.")
		self.assertEqual(reply.delivery_status, "Pending")
		frappe.db.commit()
		self.assertEqual(
			registry.attempt(reply.name),
			"Sent",
			frappe.db.get_value("IQC Message", reply.name, "delivery_error"),
		)
		frappe.db.commit()
		[received] = mail_servers.wait_for_messages(self.ann, 1)
		self.assertEqual(received["Subject"], "Re: Router is broken")
		self.assertEqual(received["In-Reply-To"], first["Message-ID"])
		self.assertIn(first["Message-ID"], received["References"])
		self.assertEqual(email.utils.parseaddr(received["From"])[1], self.support)
		plain = [line.strip() for line in received.get_body(("plain",)).get_content().splitlines()]
		self.assertEqual(plain[:2], ["Please restart it.", "Then tell us."])
		self.assertIsNone(received["Auto-Submitted"])
		reply.reload()
		self.assertEqual(reply.external_id, received["Message-ID"])
		self.assertTrue(
			frappe.db.exists(
				"Email Queue",
				{
					"reference_doctype": "IQC Conversation",
					"reference_name": conversation.name,
					"status": "Sent",
				},
			)
		)

		contract = sample_files.PDF + b"% the contract\n"
		sent_file = post_operator_message(conversation, self.operator, "", file=("contract.pdf", contract))
		frappe.db.commit()
		self.assertEqual(registry.attempt(sent_file.name), "Sent")
		frappe.db.commit()
		received = mail_servers.wait_for_messages(self.ann, 2)[-1]
		[attachment] = list(received.iter_attachments())
		self.assertEqual(attachment.get_filename(), "contract.pdf")
		self.assertEqual(attachment.get_content(), contract)
		self.assertEqual(received["In-Reply-To"], first["Message-ID"])

		# The client answers our reply: it joins the same conversation.
		answer = self.write(
			subject=f"Re: {received['Subject']}",
			text="Restarted, works.\n\nOn Tue, Support wrote:\n> Please restart it.",
			in_reply_to=reply.external_id,
			references=f"{first['Message-ID']} {reply.external_id}",
		)
		self.pull()
		[joined] = self.client_messages(external_id=answer["Message-ID"])
		self.assertEqual(str(joined.conversation), str(conversation.name))
		self.assertEqual(joined.text, "Restarted, works.")

	def test_a_mail_server_that_is_down_leaves_the_reply_failed_with_the_reason_and_nothing_lost(self):
		_mail, conversation = self.client_conversation(text="Hello?")
		self.account.reload()
		self.account.smtp_port = "2599"  # nothing listens there
		self.account.save(ignore_permissions=True)
		frappe.db.commit()
		reply = post_operator_message(conversation, self.operator, "We are looking into it.")
		frappe.db.commit()
		self.assertEqual(registry.attempt(reply.name), "Pending")
		reply.reload()
		self.assertIn("Connection refused", reply.delivery_error)
		channel_error = frappe.db.get_value("IQC Channel", self.channel.name, "last_error")
		self.assertTrue(channel_error.startswith("Outgoing mail:"), channel_error)
		self.assertIn("Connection refused", channel_error)
		# Every pause is waited out, as the scheduler would: after the last attempt the reply is Failed.
		for _attempt in range(len(registry.RETRY_AFTER_MINUTES)):
			frappe.db.set_value(
				"IQC Message", reply.name, "next_attempt_at", now_datetime() - timedelta(seconds=1)
			)
			status = registry.attempt(reply.name)
		self.assertEqual(status, "Failed")
		reply.reload()
		self.assertEqual(reply.text, "We are looking into it.")
		self.assertIn("Connection refused", reply.delivery_error)
		queue = frappe.get_all(
			"Email Queue",
			filters={"reference_doctype": "IQC Conversation", "reference_name": conversation.name},
			fields=["status", "error"],
		)
		self.assertEqual([q.status for q in queue], ["Error"])
		self.assertIn("Connection refused", queue[0].error)

		# The server is back: the next reply goes out and the channel's error is gone.
		self.account.reload()
		self.account.smtp_port = str(mail_servers.SMTP_PORT)
		self.account.save(ignore_permissions=True)
		frappe.db.commit()
		mail_servers.empty(self.ann)
		again = post_operator_message(conversation, self.operator, "Sorry for the wait.")
		frappe.db.commit()
		self.assertEqual(registry.attempt(again.name), "Sent")
		self.assertEqual(len(mail_servers.wait_for_messages(self.ann, 1)), 1)
		self.assertFalse(frappe.db.get_value("IQC Channel", self.channel.name, "last_error"))
