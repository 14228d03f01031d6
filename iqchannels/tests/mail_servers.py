"""Real mail servers for the e-mail channel's tests and benchmark: Dovecot for IMAP, and this module's
SMTP server, which accepts any mail and delivers it into each recipient's Dovecot mailbox.

`.ci/mailserver` installs and starts both (Dovecot on 127.0.0.1:1143, SMTP on 127.0.0.1:2525); every
address is a mailbox there and every mailbox has the one password `IQC_MAIL_PASSWORD` (default
"secret"). Run as a program, this module is the SMTP server; imported, it gives the tests what a mail
user does: send a mail by SMTP, read a mailbox over IMAP, and start the servers when they are down.

The SMTP server delivers as a mail server's local delivery does: it adds `Return-Path` with the
envelope sender (empty for a bounce) and appends the mail to the recipient's INBOX over IMAP, logged in
as the recipient.
"""

import argparse
import asyncio
import email
import email.policy
import imaplib
import os
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
from pathlib import Path

IMAP_HOST = "127.0.0.1"
IMAP_PORT = int(os.environ.get("IQC_IMAP_PORT", 1143))
SMTP_PORT = int(os.environ.get("IQC_SMTP_PORT", 2525))
PASSWORD = os.environ.get("IQC_MAIL_PASSWORD", "secret")
SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "mailserver"


def listening(port: int, host: str = IMAP_HOST) -> bool:
	with socket.socket() as s:
		s.settimeout(1)
		return s.connect_ex((host, port)) == 0


def ensure_running(bench_dir: str | None = None) -> None:
	"""Start Dovecot and the SMTP server through `.ci/mailserver` unless both already answer."""
	if listening(IMAP_PORT) and listening(SMTP_PORT):
		return
	args = [str(SCRIPT), "start"] + ([bench_dir] if bench_dir else [])
	# Its output goes to a file, not a pipe: the servers it starts live on after it.
	with tempfile.TemporaryFile("w+") as output:
		done = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT)
		if done.returncode:
			output.seek(0)
			raise RuntimeError(f"{' '.join(args)} failed:\n{output.read()}")


def imap(user: str) -> imaplib.IMAP4:
	connection = imaplib.IMAP4(IMAP_HOST, IMAP_PORT)
	connection.login(user, PASSWORD)
	return connection


def append(user: str, raw: bytes, connection: imaplib.IMAP4 | None = None) -> None:
	"""Put a mail into the user's INBOX, unread."""
	own = connection is None
	connection = connection or imap(user)
	try:
		status, answer = connection.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
		if status != "OK":
			raise RuntimeError(f"IMAP APPEND for {user}: {answer}")
	finally:
		if own:
			connection.logout()


def empty(user: str) -> None:
	"""Delete every mail in the user's INBOX."""
	connection = imap(user)
	try:
		connection.select("INBOX")
		connection.store("1:*", "+FLAGS", "(\\Deleted)")
		connection.expunge()
	except imaplib.IMAP4.error:
		pass  # an empty mailbox has no 1:*
	finally:
		connection.logout()


def messages(user: str) -> list[email.message.EmailMessage]:
	"""Every mail in the user's INBOX, oldest first, parsed; reading marks nothing."""
	connection = imap(user)
	try:
		connection.select("INBOX", readonly=True)
		_, data = connection.uid("search", None, "ALL")
		found = []
		for uid in data[0].split():
			_, parts = connection.uid("fetch", uid, "(BODY.PEEK[])")
			found.append(email.message_from_bytes(parts[0][1], policy=email.policy.default))
		return found
	finally:
		connection.logout()


def wait_for_messages(user: str, count: int = 1, seconds: float = 10) -> list[email.message.EmailMessage]:
	deadline = time.monotonic() + seconds
	while True:
		found = messages(user)
		if len(found) >= count or time.monotonic() > deadline:
			return found
		time.sleep(0.1)


def send(message, sender: str | None = None, recipients: list[str] | None = None) -> None:
	"""Send a mail (an EmailMessage or raw bytes) through the SMTP server, as a mail client would."""
	with smtplib.SMTP(IMAP_HOST, SMTP_PORT, timeout=30) as smtp:
		if isinstance(message, bytes | str):
			smtp.sendmail(sender, recipients, message)
		else:
			smtp.send_message(message, from_addr=sender, to_addrs=recipients)


class Delivery:
	"""aiosmtpd handler: every recipient gets the mail in their Dovecot INBOX."""

	async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
		envelope.rcpt_tos.append(address)
		return "250 OK"

	async def handle_DATA(self, server, session, envelope):
		raw = envelope.original_content or envelope.content
		if isinstance(raw, str):
			raw = raw.encode()
		# A bounce's envelope sender is empty: "<>".
		sender = (envelope.mail_from or "").strip("<>")
		delivered = b"Return-Path: <" + sender.encode() + b">\r\n" + raw
		loop = asyncio.get_running_loop()
		try:
			for recipient in envelope.rcpt_tos:
				await loop.run_in_executor(None, append, recipient.lower(), delivered)
		except Exception as e:
			return f"451 Local delivery failed: {e}"
		return "250 Message accepted for delivery"


class AnyLogin:
	"""Every login is accepted: the servers only ever listen on the loopback of a test machine."""

	def __call__(self, server, session, envelope, mechanism, auth_data):
		from aiosmtpd.smtp import AuthResult

		return AuthResult(success=True)


def serve(port: int) -> None:
	from aiosmtpd.controller import Controller

	controller = Controller(
		Delivery(),
		hostname=IMAP_HOST,
		port=port,
		authenticator=AnyLogin(),
		auth_require_tls=False,
		auth_required=False,
		data_size_limit=50 * 1024 * 1024,
	)
	controller.start()
	stop = asyncio.Event()
	loop = asyncio.new_event_loop()
	for sig in (signal.SIGTERM, signal.SIGINT):
		loop.add_signal_handler(sig, stop.set)
	try:
		loop.run_until_complete(stop.wait())
	finally:
		controller.stop()


if __name__ == "__main__":
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--port", type=int, default=SMTP_PORT)
	serve(parser.parse_args().port)
