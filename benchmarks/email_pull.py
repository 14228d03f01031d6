"""E-mail intake on a real site: N mails in an E-mail channel's mailbox pulled into conversations.

Sets up, as a user would in the desk, an Email Account on the test mail servers (.ci/mailserver starts
Dovecot and the SMTP server when they are down) and an E-mail channel bound to it, pulls the empty
mailbox once (an account in service knows its folder), then fills the mailbox over IMAP with N mails,
a mix as a support mailbox gets them: first mails of new senders, replies in their threads (In-Reply-To
and References, the quoted history below), HTML mails from Outlook and Gmail, mails with a picture or a
PDF, Russian mails and a few auto-replies. Then times one pull of the account through the app's path
(flows.mailboxes, what Frappe's scheduler runs for a bound account): mails a second over the whole pull
(the IMAP fetching included) and the median and 95th percentile of one mail's intake (parse, check,
store, commit). Target: at least 50 mails a second. Everything it wrote is deleted at the end, and
the mailbox emptied.

	cd ~/frappe-bench/sites && ../env/bin/python /path/to/iqchannels/benchmarks/email_pull.py --site SITE [--mails 1000]

`--profile` prints where the time of the pull goes (cProfile: the 25 largest cumulative entries, then
the app's 40 largest).
"""

import argparse
import cProfile
import email.message
import email.utils
import imaplib
import pstats
import random
import statistics
import time

import frappe
from frappe.utils import get_bench_path
from frappe.utils.background_jobs import create_job_id, get_redis_conn
from rq.exceptions import NoSuchJobError
from rq.job import Job

from iqchannels.flows import mailboxes
from iqchannels.tests import mail_servers, sample_files

TARGET_PER_SECOND = 50
DOMAIN = "bench-mail.test"


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--mails", type=int, default=1000)
	parser.add_argument("--seed", type=int, default=7)
	parser.add_argument("--profile", action="store_true")
	args = parser.parse_args()

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	mail_servers.ensure_running(get_bench_path())
	prefix = f"bench-{frappe.generate_hash(length=6)}"
	setup = None
	try:
		setup = make_setup(prefix)
		mailboxes.pull(setup.account)  # the folder's UIDVALIDITY, as an account in service has it
		started = time.perf_counter()
		mix = fill(setup.address, args.mails, random.Random(args.seed))
		print(
			f"{args.mails:,} mails put into {setup.address} in {time.perf_counter() - started:.1f} s "
			f"(not counted): {', '.join(f'{kind} {n}' for kind, n in sorted(mix.items()))}"
		)
		measure(setup, args.mails, args.profile)
	finally:
		frappe.db.rollback()
		if setup:
			cleanup(setup)
		frappe.destroy()


def make_setup(prefix: str) -> frappe._dict:
	address = f"{prefix}@{DOMAIN}"
	line = frappe.get_doc({"doctype": "IQC Line", "line_name": f"{prefix}-line", "mode": "Automatic"}).insert(
		ignore_permissions=True
	)
	account = frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": prefix,
			"email_id": address,
			"password": mail_servers.PASSWORD,
			"enable_incoming": 1,
			"use_imap": 1,
			"email_server": mail_servers.IMAP_HOST,
			"incoming_port": mail_servers.IMAP_PORT,
			"imap_folder": [{"folder_name": "INBOX"}],
			"email_sync_option": "UNSEEN",
			"enable_outgoing": 1,
			"smtp_server": mail_servers.IMAP_HOST,
			"smtp_port": mail_servers.SMTP_PORT,
			"create_contact": 0,
		}
	).insert(ignore_permissions=True)
	channel = frappe.get_doc(
		{
			"doctype": "IQC Channel",
			"channel_name": f"{prefix}-mail",
			"channel_type": "E-mail",
			"default_line": line.name,
			"email_account": account.name,
			"greeting_text": "Thank you for writing: we answer within the hour.",
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	return frappe._dict(address=address, line=line.name, account=account.name, channel=channel.name)


# --- the mailbox's mix ----------------------------------------------------------------------------------

QUOTE = (
	"\n\nOn Mon, 5 Jan 2026 at 10:00, Support <support@example.com> wrote:\n"
	"> Thank you for writing. Could you tell us the model of your router\n> and when it started?\n>\n"
	"> Support team\n"
)
SIGNATURE = "\n\n-- \nAnn Smith\nHead of IT, ACME Ltd.\n+1 555 0100\n"
TEXTS = [
	"My router blinks red since this morning and there is no internet at all.",
	"I was charged twice for the March invoice, please refund one of the payments.",
	"How do I change the e-mail address on my account?",
	"The delivery did not arrive, the tracking number shows nothing since Friday.",
]
RUSSIAN = "Добрый день! Не приходит SMS с кодом подтверждения, номер +7 900 000-00-00."
OUTLOOK_HTML = (
	'<html><head><style>p{{margin:0}}</style></head><body><div dir="ltr"><p>{text}</p><p>Best regards,<br>'
	'Ann</p></div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> Support<br>'
	"<b>Sent:</b> Monday<br><b>Subject:</b> Re: Router</div><div>Old text of the thread</div></body></html>"
)
GMAIL_HTML = (
	'<div dir="ltr">{text}<br><br>Thanks, <b>Ann</b></div><br><div class="gmail_quote"><div class="gmail_attr">'
	"On Mon, 5 Jan 2026 at 10:00, Support &lt;support@example.com&gt; wrote:<br></div><blockquote "
	'class="gmail_quote">Could you tell us the model?</blockquote></div>'
)


def fill(address: str, count: int, rng: random.Random) -> dict:
	"""Put `count` mails into the mailbox over one IMAP connection; returns how many of each kind."""
	threads: list[tuple[str, str, list[str]]] = []  # (sender, subject, message ids)
	png, mix = sample_files.image("PNG"), {}
	connection = mail_servers.imap(address)
	try:
		for n in range(count):
			roll = rng.random()
			reply = threads and roll < 0.35
			if reply:
				sender, subject, ids = rng.choice(threads)
				kind = ["reply"]
			else:
				sender = f"Client {n} <client{n}-{rng.randrange(10**6)}@customers.test>"
				subject, ids = rng.choice(["Router", "Invoice", "Account", "Delivery"]) + f" #{n}", []
				threads.append((sender, subject, ids))
				kind = ["first mail of a thread"]
			mail = email.message.EmailMessage()
			mail["From"] = sender
			mail["To"] = address
			mail["Subject"] = f"Re: {subject}" if reply else subject
			mail["Date"] = email.utils.formatdate()
			mail["Message-ID"] = email.utils.make_msgid(domain="customers.test")
			if ids:
				mail["In-Reply-To"] = ids[-1]
				mail["References"] = " ".join(ids)
			text = rng.choice(TEXTS) + (QUOTE if reply else "") + (SIGNATURE if rng.random() < 0.3 else "")
			shape = rng.random()
			if shape < 0.15:
				mail.set_content(OUTLOOK_HTML.format(text=rng.choice(TEXTS)), subtype="html")
				kind.append("Outlook HTML")
			elif shape < 0.35:
				mail.set_content(text)
				mail.add_alternative(GMAIL_HTML.format(text=rng.choice(TEXTS)), subtype="html")
				kind.append("Gmail text and HTML")
			elif shape < 0.45:
				mail.set_content(
					RUSSIAN + ("\n\n12.10.2023 15:32, Support пишет:\n> Здравствуйте!" if reply else "")
				)
				kind.append("Russian")
			else:
				mail.set_content(text)
				kind.append("plain text")
			if rng.random() < 0.08:
				mail.add_attachment(png, maintype="image", subtype="png", filename="photo.png")
				kind.append("with a picture")
			elif rng.random() < 0.05:
				mail.add_attachment(
					sample_files.PDF, maintype="application", subtype="pdf", filename="scan.pdf"
				)
				kind.append("with a PDF")
			if rng.random() < 0.03:
				mail["Auto-Submitted"] = "auto-replied"
				kind.append("auto-reply")
			ids.append(mail["Message-ID"])
			for trait in kind:
				mix[trait] = mix.get(trait, 0) + 1
			connection.append("INBOX", "", imaplib.Time2Internaldate(time.time()), mail.as_bytes())
	finally:
		connection.logout()
	return mix


# --- the pull -------------------------------------------------------------------------------------------


def timed(module, name: str, times: list):
	"""Replace module.name by the same function that notes how long each call took."""
	original = getattr(module, name)

	def timed_call(*args, **kwargs):
		started = time.perf_counter()
		try:
			return original(*args, **kwargs)
		finally:
			times.append(time.perf_counter() - started)

	setattr(module, name, timed_call)
	return original


def measure(setup, count: int, profile: bool) -> None:
	# One mail's intake (take), and of it: parsing and checking the mail (inbound_of) and storing it
	# through the inbound path (receive); the rest of a take is its commit.
	phases = {"take": [], "inbound_of": [], "receive": []}
	originals = {
		"take": timed(mailboxes, "take", phases["take"]),
		"inbound_of": timed(mailboxes.mail_channel, "inbound_of", phases["inbound_of"]),
		"receive": timed(mailboxes, "receive", phases["receive"]),
	}
	profiler = cProfile.Profile() if profile else None
	try:
		started = time.perf_counter()
		if profiler:
			profiler.enable()
		pulled = mailboxes.pull(setup.account)
		if profiler:
			profiler.disable()
		elapsed = time.perf_counter() - started
	finally:
		mailboxes.take, mailboxes.receive = originals["take"], originals["receive"]
		mailboxes.mail_channel.inbound_of = originals["inbound_of"]
	messages = frappe.db.count("IQC Message", {"channel": setup.channel, "author_type": "Client"})
	conversations = frappe.db.count("IQC Conversation", {"channel": setup.channel})
	errors = frappe.db.count("Error Log", {"reference_name": setup.channel})
	rate = pulled / elapsed if elapsed else 0
	print(
		f"pulled {pulled:,} of {count:,} mails in {elapsed:.2f} s: {rate:.0f} mails/s "
		f"(target >= {TARGET_PER_SECOND}: {'met' if rate >= TARGET_PER_SECOND else 'NOT met'})"
	)
	takes = sorted(t * 1000 for t in phases["take"])
	if takes:
		print(
			f"one mail's intake: median {statistics.median(takes):.1f} ms, p95 {takes[int(len(takes) * 0.95) - 1]:.1f} ms"
			f" = parsing and checking {statistics.median(phases['inbound_of']) * 1000:.1f} ms"
			f" + the inbound path {statistics.median(phases['receive']) * 1000:.1f} ms + commit (medians);"
			f" fetching over IMAP {elapsed - sum(phases['take']):.2f} s of the pull"
		)
	print(f"{messages:,} client messages in {conversations:,} conversations; {errors} mails not taken")
	if profiler:
		stats = pstats.Stats(profiler).sort_stats("cumulative")
		stats.print_stats(25)
		stats.print_stats("iqchannels/", 40)


# --- cleanup --------------------------------------------------------------------------------------------


def cleanup(setup) -> None:
	conversations = frappe.get_all("IQC Conversation", filters={"channel": setup.channel}, pluck="name")
	messages = frappe.get_all(
		"IQC Message", filters={"channel": setup.channel}, fields=["name", "attachment", "preview"]
	)
	clients = frappe.get_all(
		"IQC Client Identity", filters={"channel": setup.channel, "parenttype": "IQC Client"}, pluck="parent"
	)
	# The greetings' delivery jobs would run on a worker after their messages are gone.
	redis = get_redis_conn()
	for message in messages:
		try:
			Job.fetch(create_job_id(f"iqc-deliver-{message.name}"), connection=redis).delete()
		except NoSuchJobError:
			pass
	files = [url for m in messages for url in (m.attachment, m.preview) if url]
	for url in files:
		for name in frappe.get_all("File", filters={"file_url": url}, pluck="name"):
			frappe.delete_doc("File", name, ignore_permissions=True, force=True)
	if conversations:
		frappe.db.delete("IQC Message", {"conversation": ["in", conversations]})
		frappe.db.delete("IQC Assignment Log", {"conversation": ["in", conversations]})
		frappe.db.delete("IQC Conversation", {"name": ["in", conversations]})
	if clients:
		frappe.db.delete("IQC Client Identity", {"parent": ["in", clients], "parenttype": "IQC Client"})
		frappe.db.delete("IQC Client", {"name": ["in", clients]})
	frappe.db.delete("Error Log", {"reference_name": setup.channel})
	frappe.db.delete("Unhandled Email", {"email_account": setup.account})
	frappe.delete_doc("IQC Channel", setup.channel, ignore_permissions=True, force=True)
	frappe.delete_doc("Email Account", setup.account, ignore_permissions=True, force=True)
	frappe.delete_doc("IQC Line", setup.line, ignore_permissions=True, force=True)
	frappe.db.commit()
	mail_servers.empty(setup.address)


if __name__ == "__main__":
	main()
