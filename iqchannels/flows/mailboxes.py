"""Pulling the e-mail channels' mailboxes (layer: flows): each mail in the mailbox of an Email Account
bound to an E-mail channel becomes a client's message through the one inbound path.

How mail comes in. Frappe's scheduler pulls every Email Account with incoming mail enabled
(`frappe.email.doctype.email_account.email_account.pull`, every tick) by calling the account's
`receive()`. For an account bound to a channel, `ChannelEmailAccount.receive` (the app's class of Email
Account, `override_doctype_class` in hooks.py) pulls the mailbox here instead of making Communications;
any other account is received by Frappe as before. So the mailbox is pulled by Frappe's own job, on
Frappe's own schedule, with the account's own connection (`get_incoming_server`: IMAP or POP3, SSL,
STARTTLS, OAuth, the IMAP folders, UIDVALIDITY, Frappe's count of failed logins) and its own fetching
(`EmailServer.get_messages`, which marks what it fetched as seen).

Why not after Frappe's own receive, from a doc_event on the Communication it saves: a Communication
keeps no header but the Message-ID, so a bounce, an auto-reply or list mail (Auto-Submitted,
Precedence, List-Id, Return-Path) and the thread a mail continues (References) could no longer be told,
and every mail would be written twice (the Communication with its files, then our message with its
files), with Frappe's notifications and the account's own auto-reply sent on top. Why not
`get_inbound_mails()`: one mail it cannot parse (a mail without a From header raises in InboundMail)
makes it drop the whole batch, which the server has already marked as seen, and it reports no
connection error. Here each mail is taken on its own: a mail that cannot be understood is acknowledged
(it stays seen), logged with the reason in the Error Log and kept raw as Frappe's Unhandled Email, and
nothing of it is written; a mail server that cannot be reached shows on the channel (its last error).

One pull takes what the mailbox holds, 100 mails a round as Frappe fetches them, each committed on its
own, so a mail stored is never taken again and a repeated Message-ID stores nothing.
"""

import frappe
from frappe import _
from frappe.email.doctype.email_account.email_account import EmailAccount

from iqchannels.channels import email as mail_channel
from iqchannels.flows.receiving import receive

# Frappe's EmailServer fetches at most 100 mails a connection; a pull takes up to this many rounds.
ROUND = 100
MAX_ROUNDS = 20


class ChannelEmailAccount(EmailAccount):
	"""Frappe's Email Account; one bound to an E-mail channel brings its mail to the channel."""

	def receive(self):
		channel = mail_channel.channel_of_account(self.name)
		if not channel:
			return super().receive()
		return pull_account(self, channel)


def pull(account: str) -> int:
	"""Pull the mailbox of the Email Account bound to a channel now; returns the mails taken."""
	doc = frappe.get_doc("Email Account", account)
	channel = mail_channel.channel_of_account(account)
	if not channel:
		frappe.throw(_("The e-mail account {0} is not bound to an enabled E-mail channel.").format(account))
	return pull_account(doc, channel)


def pull_account(account, channel) -> int:
	taken = 0
	if not account.enable_incoming:
		return taken
	for _round in range(MAX_ROUNDS):
		mails, error = fetch(account)
		for raw, uid in mails:
			take(account, channel, raw, uid)
		taken += len(mails)
		if error:
			mail_channel.report_error(channel.name, mail_channel.INCOMING, error)
			frappe.db.commit()
			break
		mail_channel.clear_error(channel.name, mail_channel.INCOMING)
		frappe.db.commit()
		if len(mails) < ROUND:
			break
	return taken


def fetch(account) -> tuple[list[tuple[bytes, str | None]], str | None]:
	"""One round of new mails, (raw mail, uid) each, through the account's own connection; and the
	reason when the mail server could not be read (what was fetched before that is still returned)."""
	mails: list = []
	# The channel's mailbox is read as a mail client reads it: what is unread is new. (Frappe's "ALL"
	# counts from the Communications it made, and a bound account makes none.)
	rule = "UNSEEN" if account.use_imap else None
	server = None
	try:
		server = account.get_incoming_server(in_receive=True, email_sync_rule=rule or "UNSEEN")
		if not connected(account, server):
			# Frappe keeps the reason to itself when it fails to connect while receiving: ask again.
			server.connect()
		if account.use_imap:
			for folder in account.imap_folder:
				if not server.select_imap_folder(folder.folder_name):
					continue
				# As stored now: the round before may have learnt the folder's UIDVALIDITY.
				server.settings["uid_validity"] = frappe.db.get_value(
					"IMAP Folder", folder.name, "uidvalidity"
				)
				server.settings["email_sync_rule"] = rule
				messages = server.get_messages(folder=f'"{folder.folder_name}"') or {}
				mails += batch(messages, rule)
				if messages.get("uid_reindexed"):
					acknowledge(server, folder.folder_name, messages.get("uid_list") or [])
		else:
			mails += batch(server.get_messages() or {}, rule)
		server.logout()
	except Exception as e:
		frappe.clear_messages()
		if server is not None and not mails:
			mails = batch({"latest_messages": getattr(server, "latest_messages", [])}, rule)
		return mails, f"{type(e).__name__}: {e}"
	return mails, None


def acknowledge(server, folder: str, uids: list) -> None:
	"""Mark as seen what Frappe fetched read-only: on the first pull of a folder (or after its
	UIDVALIDITY changed) it reads the newest mails without marking them, and they would come again."""
	server.imap.select(f'"{folder}"')
	for uid in uids[:ROUND]:
		server.imap.uid("STORE", uid, "+FLAGS", "(\\SEEN)")


def connected(account, server) -> bool:
	return server is not None and hasattr(server, "imap" if account.use_imap else "pop")


def batch(messages: dict, rule: str | None) -> list[tuple[bytes, str | None]]:
	uids = messages.get("uid_list") or []
	seen = messages.get("seen_status") or {}
	out = []
	for index, raw in enumerate(messages.get("latest_messages") or []):
		uid = uids[index] if index < len(uids) else None
		# Frappe's rule: with "UNSEEN", a mail someone has read in the mailbox already is not new.
		if rule == "UNSEEN" and seen.get(uid) == "SEEN":
			continue
		out.append((raw, frappe.safe_decode(uid) if uid else None))
	return out


def take(account, channel, raw: bytes, uid: str | None) -> None:
	"""One mail into the channel, committed; a mail that cannot be taken is logged and left behind."""
	try:
		inbound = mail_channel.inbound_of(channel, raw, own_address=account.email_id)
		if inbound is not None:
			receive(inbound)
		frappe.db.commit()
	except (mail_channel.UnreadableMail, frappe.ValidationError) as e:
		frappe.db.rollback()
		frappe.clear_messages()
		not_taken(account, channel, raw, uid, str(e))
	except Exception:
		frappe.db.rollback()
		frappe.clear_messages()
		not_taken(account, channel, raw, uid, frappe.get_traceback())


def not_taken(account, channel, raw: bytes, uid: str | None, reason: str) -> None:
	"""Acknowledged, so the mail server does not offer it again, and kept for a supervisor: the reason in
	the Error Log, the raw mail as Frappe's Unhandled Email."""
	head = raw[:2000].decode("utf-8", "replace").split("\r\n\r\n")[0].split("\n\n")[0]
	frappe.log_error(
		title=_("IQChannels: {0}: a mail was not taken").format(channel.name),
		message=f"{reason}\n\n{head}",
		reference_doctype="IQC Channel",
		reference_name=channel.name,
	)
	try:
		account.handle_bad_emails(uid, raw, reason)
	except Exception:
		frappe.db.rollback()
	frappe.db.commit()
