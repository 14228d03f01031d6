"""The e-mail channel's adapter (layer: channels): a channel of type E-mail is bound to a Frappe Email
Account (the channel's `email_account`), configured in the desk as every Frappe user does; the
account's own IMAP/POP3 pulling brings the mails in and its SMTP server takes the replies out.

Inbound, `inbound_of` turns one raw mail into an `Inbound` message: the sender's address is the client's
identity; the client's own words are kept (HTML reduced to text, quoted history and signature cut off,
engine.mail_text), the sanitised HTML is kept as the original; each attachment and inline image is
checked like every other upload (refused ones are explained to the client); the mail's Message-ID makes
a second copy store nothing, and its In-Reply-To and References name the thread it continues. Mail that a
machine wrote (auto-replies, bounces, list mail) is marked `automated`, so no autoreply of ours answers
it. Which process pulls the mailbox and hands the messages to the inbound path is flows.mailboxes.

Outbound, `send` is one delivery attempt (channels.registry.attempt keeps the state and the pauses): the
reply becomes an Email Queue record of the account (`frappe.sendmail`, "Re: <subject>", In-Reply-To and
References of the thread, the file of a file message attached, the conversation as its reference) and
the queue sends it at once through Frappe's own sending. The attempt succeeds exactly when the queue
says Sent; otherwise the queue's error is the reason the operator sees, the queue is parked (status
Error) so that Frappe's flush does not send it behind our back, and the next attempt sends the same queue
record again. The reply's Message-ID, made from the message's number, is what the attempt returns: it is
stored as the message's external id, so the client's answer to it finds its conversation.
"""

import email
import email.errors
import email.header
import email.utils
import hashlib
import mimetypes
import re

import frappe
from frappe import _
from frappe.utils import cint, escape_html

from iqchannels.channels.base import ChannelAdapter, DeliveryError, Inbound
from iqchannels.engine.mail_text import (
	automated_reason,
	conversation_subject,
	html_to_text,
	message_ids,
	references_of,
	reply_part,
	reply_subject,
	thread_of,
)
from iqchannels.records import channel_errors, files, settings

CHANNEL_TYPE = "E-mail"
OUTGOING, INCOMING = "outgoing", "incoming"
REMOTE_IMAGE = re.compile(r"<img\b[^>]*\bsrc=\"https?:[^\"]*\"[^>]*>", re.IGNORECASE)


class UnreadableMail(Exception):
	"""A mail that cannot become a client's message; the text says why."""


# --- the channel of an account --------------------------------------------------------------------------


def channel_of_account(account: str):
	"""The enabled E-mail channel bound to the Email Account, or None."""
	name = frappe.db.get_value(
		"IQC Channel", {"channel_type": CHANNEL_TYPE, "email_account": account, "enabled": 1}, "name"
	)
	return frappe.get_cached_doc("IQC Channel", name) if name else None


def error_text(side: str, reason: str) -> str:
	if side == OUTGOING:
		return _("Outgoing mail: {0}").format(reason)
	return _("Incoming mail: {0}").format(reason)


def report_error(channel: str, side: str, reason: str) -> None:
	"""The channel shows what is wrong with its mail server, incoming or outgoing."""
	channel_errors.report(channel, error_text(side, reason))


def clear_error(channel: str, side: str) -> None:
	"""The incoming or outgoing side works again: its error goes, the other side's stays."""
	if (frappe.db.get_value("IQC Channel", channel, "last_error") or "").startswith(error_text(side, "")):
		channel_errors.clear(channel)


# --- inbound --------------------------------------------------------------------------------------------


def decoded_header(mail, name: str) -> str | None:
	"""A header's value with its encoded words decoded; None when the mail has no such header."""
	value = mail.get(name)
	if value is None:
		return None
	try:
		text = str(email.header.make_header(email.header.decode_header(str(value))))
	except (UnicodeError, LookupError, email.errors.HeaderParseError):
		text = str(value)
	return re.sub(r"\s+", " ", text).strip()


def text_of(part) -> str:
	payload = part.get_payload(decode=True) or b""
	charset = part.get_content_charset()
	if charset:
		try:
			return payload.decode(charset, "replace")
		except LookupError:
			pass
	try:
		return payload.decode("utf-8")
	except UnicodeDecodeError:
		import chardet

		return payload.decode(chardet.detect(payload[:4096])["encoding"] or "utf-8", "replace")


def file_name_of(part, number: int) -> str:
	name = part.get_filename()
	if name and "=?" in name:
		name = str(email.header.make_header(email.header.decode_header(name)))
	name = re.sub(r"[\\/\r\n\t]+", " ", name or "").strip()
	if not name:
		extension = mimetypes.guess_extension(part.get_content_type()) or ".bin"
		name = f"{'image' if part.get_content_maintype() == 'image' else 'file'}-{number}{extension}"
	return name


class MailParts:
	"""The readable parts of a mail: its plain text, its HTML, its files, and mails attached to it."""

	def __init__(self, mail):
		self.plain: list[str] = []
		self.html: list[str] = []
		self.files: list[tuple[str, bytes]] = []
		self.attached: list[str] = []
		self.walk(mail)

	def walk(self, part) -> None:
		if part.is_multipart():
			for inner in part.get_payload():
				self.walk(inner)
			return
		content_type = part.get_content_type()
		disposition = part.get_content_disposition()
		is_file = disposition == "attachment" or bool(part.get_filename())
		if content_type == "message/rfc822" and not is_file:
			for attached in part.get_payload() or []:
				self.attached.append(attached_summary(attached))
		elif content_type == "text/plain" and not is_file:
			self.plain.append(text_of(part))
		elif content_type == "text/html" and not is_file:
			self.html.append(text_of(part))
		elif content_type not in ("text/plain", "text/html") or is_file:
			content = part.get_payload(decode=True)
			if content:
				self.files.append((file_name_of(part, len(self.files) + 1), content))


def attached_summary(mail) -> str:
	"""A mail attached to the client's mail (a forward as attachment), as lines of text."""
	parts = MailParts(mail)
	lines = [
		f"{name}: {value}" for name in ("From", "Date", "Subject") if (value := decoded_header(mail, name))
	]
	body = "\n".join(parts.plain).strip() or html_to_text("".join(parts.html))
	return "\n".join(["---------- " + _("Attached message") + " ----------", *lines, "", body]).strip()


def sanitised_html(html: str) -> str:
	"""The HTML of a mail as operators may open it: Frappe's cleaning of mail HTML (no scripts, styles
	or event handlers), and no remote images that would tell the sender when it was read."""
	from frappe.utils.html_utils import clean_email_html

	return REMOTE_IMAGE.sub("", clean_email_html(html))


def inbound_of(channel, raw: bytes, own_address: str | None = None) -> Inbound | None:
	"""The client's message that a raw mail is; None for a mail of our own that came back into the
	mailbox. Raises UnreadableMail when it cannot be one."""
	try:
		mail = email.message_from_bytes(raw)
	except Exception as e:  # the parser is lenient: this is a mail of no shape at all
		raise UnreadableMail(_("The mail cannot be parsed: {0}").format(e)) from e
	sender = decoded_header(mail, "From") or ""
	name, address = email.utils.parseaddr(sender)
	address = address.strip().lower()
	if not re.match(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$", address):
		raise UnreadableMail(_("The mail has no sender address (From: {0}).").format(sender or "-"))
	if own_address and address == own_address.strip().lower():
		return None
	message_id = (message_ids(mail.get("Message-ID")) or [None])[0] or made_message_id(raw)
	subject = decoded_header(mail, "Subject") or ""

	parts = MailParts(mail)
	plain = "\n".join(parts.plain).strip()
	html = "".join(parts.html).strip()
	body = plain or html_to_text(html)
	text = reply_part(body)
	uploads, refused = [], []
	for filename, content in parts.files:
		try:
			uploads.append(files.checked(filename, content))
		except frappe.ValidationError as e:
			refused.append(str(e))
			frappe.clear_last_message()
	if not text and not uploads:
		# Nothing but quotes, or a mail that says it all in its subject: the client's words are those.
		text = body.strip() or conversation_subject(subject)
	if parts.attached:
		text = "\n\n".join([text, *parts.attached]).strip()
	if not text and not uploads and not refused:
		raise UnreadableMail(_("The mail has neither text nor files."))

	header = lambda header_name: decoded_header(mail, header_name)  # noqa: E731
	return Inbound(
		channel=channel,
		client_id=address,
		text=shortened(text),
		message_id=message_id,
		profile={"full_name": name.strip() or None, "email": address},
		uploads=uploads,
		refused=refused,
		reply_to=(message_ids(mail.get("In-Reply-To")) or [None])[0],
		thread=thread_of(mail.get("In-Reply-To"), mail.get("References")),
		subject=conversation_subject(subject)[:140] or None,
		html=sanitised_html(html) if html else None,
		automated=automated_reason(header, address) is not None,
		label=address,
	)


def made_message_id(raw: bytes) -> str:
	"""A Message-ID for a mail without one, the same for every copy of it."""
	return f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.invalid>"


def shortened(text: str) -> str:
	"""A mail longer than a message may be keeps its beginning; the original has the rest."""
	limit = settings.number("max_message_length")
	return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- outbound -------------------------------------------------------------------------------------------


def client_address(message) -> str | None:
	return frappe.db.get_value(
		"IQC Client Identity",
		{"parent": str(message.client), "parenttype": "IQC Client", "channel": message.channel},
		"external_id",
	)


def thread_ids(conversation: str) -> list[str]:
	"""The Message-IDs of the conversation's mails, oldest first (a mail's files share its id)."""
	ids = frappe.get_all(
		"IQC Message",
		filters={"conversation": str(conversation), "external_id": ["like", "<%>"], "internal": 0},
		pluck="external_id",
		order_by="name asc",
	)
	return [i for i in ids if message_ids(i) == [i]]


def last_client_mail(conversation: str) -> str | None:
	ids = frappe.get_all(
		"IQC Message",
		filters={"conversation": str(conversation), "author_type": "Client", "external_id": ["like", "<%>"]},
		pluck="external_id",
		order_by="name desc",
		limit=1,
	)
	return message_ids(ids[0])[0] if ids and message_ids(ids[0]) else None


def message_id_for(message, account) -> str:
	"""Our reply's Message-ID: made from the message, so every attempt finds the queue record it made."""
	domain = (account.email_id or "").rpartition("@")[2] or frappe.local.site
	token = hashlib.sha256(f"{frappe.local.site}:{message.name}".encode()).hexdigest()[:12]
	return f"iqc-{message.name}-{token}@{domain}"


def extra_headers(message, references: list[str]) -> str:
	"""Headers that `frappe.sendmail` does not write: the thread's References, and for an autoreply the
	marks that stop other systems from answering it (RFC 3834, and Exchange's own)."""
	lines = []
	if references:
		lines.append("References: " + "\r\n ".join(references))
	if message.author_type == "Bot":
		lines += ["Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"]
	return "".join(f"{line}\r\n" for line in lines)


def queue_of(message_id: str):
	name = frappe.db.get_value("Email Queue", {"message_id": message_id}, "name")
	return frappe.get_doc("Email Queue", name) if name else None


def new_queue(message, account, message_id: str):
	conversation = frappe.db.get_value(
		"IQC Conversation", message.conversation, ["name", "subject"], as_dict=True
	)
	recipient = client_address(message)
	if not recipient:
		raise DeliveryError(_("The client has no e-mail address on this channel."), permanent=True)
	thread = thread_ids(conversation.name)
	text = message.text or ""
	body = f"<div>{escape_html(text).replace(chr(10), '<br>')}</div>"
	queue = frappe.sendmail(
		recipients=[recipient],
		sender=account.email_id,
		subject=reply_subject(conversation.subject, _("Conversation #{0}").format(conversation.name)),
		message=body,
		reference_doctype="IQC Conversation",
		reference_name=conversation.name,
		# Attached under the name it was sent under, not its stored copy's.
		attachments=[dict(zip(("fname", "fcontent"), files.file_of_message(message), strict=True))]
		if message.kind != "Text" and message.attachment
		else None,
		message_id=message_id,
		in_reply_to=last_client_mail(conversation.name),
		add_unsubscribe_link=0,
		delayed=True,
	)
	if not queue:
		raise DeliveryError(
			_("The address {0} does not receive our mail (unsubscribed or invalid).").format(recipient),
			permanent=True,
		)
	headers = extra_headers(message, references_of(thread))
	if headers:
		queue.message = headers + queue.message
		frappe.db.set_value("Email Queue", queue.name, "message", queue.message, update_modified=False)
	return queue


def queue_error(queue) -> str:
	"""The reason a queue record was not sent, as its error's last line says it."""
	error = (queue.error or "").strip()
	if not error:
		if frappe.are_emails_muted():
			return _("Sending e-mail is switched off on this site.")
		return _("The mail was not sent (e-mail queue status: {0}).").format(queue.status)
	last = error.splitlines()[-1].strip()
	# "frappe.exceptions.ValidationError: Invalid Outgoing Mail Server or Port: ..." -> what it says.
	return re.sub(r"^[\w.]+(Error|Exception)\w*:\s*", "", last) or last


class EmailChannel(ChannelAdapter):
	"""Replies go out through the channel's Email Account; the client's mail program threads them."""

	channel_type = CHANNEL_TYPE

	def delivers(self, channel: str) -> bool:
		return bool(frappe.get_cached_value("IQC Channel", channel, "email_account"))

	def send(self, message) -> str:
		channel = frappe.get_cached_doc("IQC Channel", message.channel)
		if not channel.email_account:
			raise DeliveryError(
				_("The channel {0} has no e-mail account.").format(channel.name), permanent=True
			)
		account = frappe.get_cached_doc("Email Account", channel.email_account)
		if not cint(account.enable_outgoing):
			raise DeliveryError(
				_("Outgoing mail is not enabled on the e-mail account {0}.").format(account.name)
			)
		message_id = message_id_for(message, account)
		queue = queue_of(message_id) or new_queue(message, account, message_id)
		if queue.status != "Sent":
			if queue.status == "Error":
				queue.db_set({"status": "Not Sent", "error": None}, commit=False)
				queue.error = None
			try:
				queue.send()
			except Exception:
				# Frappe's sending raises what the mail server answered after noting it on the queue.
				frappe.clear_messages()
			queue.reload()
		if queue.status != "Sent":
			reason = queue_error(queue)
			# Parked until our next attempt; Frappe's own flush would otherwise send it in between.
			queue.db_set("status", "Error")
			report_error(channel.name, OUTGOING, reason)
			raise DeliveryError(reason)
		clear_error(channel.name, OUTGOING)
		return f"<{message_id}>"
