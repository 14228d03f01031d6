"""A mail user for the browser tests, on the test mail servers (.ci/mailserver): send a mail by SMTP,
read a mailbox over IMAP. Run with the bench's python; prints JSON.

	python e2e/mail.py send --sender A --to B --subject S --text T     -> {"message_id": "<...>"}
	python e2e/mail.py read --user A                                     -> [{subject, in_reply_to, ...}]
"""

import argparse
import email.message
import email.utils
import hashlib
import json

from iqchannels.tests import mail_servers


def send(args) -> dict:
	mail = email.message.EmailMessage()
	mail["From"] = f"{args.name} <{args.sender}>" if args.name else args.sender
	mail["To"] = args.to
	mail["Subject"] = args.subject
	mail["Date"] = email.utils.formatdate()
	mail["Message-ID"] = email.utils.make_msgid(domain="client.test")
	mail.set_content(args.text)
	mail_servers.send(mail)
	return {"message_id": mail["Message-ID"]}


def read(args) -> list:
	found = []
	for mail in mail_servers.messages(args.user):
		attachments = []
		for part in mail.iter_attachments():
			content = part.get_payload(decode=True) or b""
			attachments.append(
				{
					"filename": part.get_filename(),
					"content_type": part.get_content_type(),
					"size": len(content),
					"sha256": hashlib.sha256(content).hexdigest(),
				}
			)
		body = mail.get_body(("plain", "html"))
		found.append(
			{
				"from": mail["From"],
				"to": mail["To"],
				"subject": mail["Subject"],
				"message_id": mail["Message-ID"],
				"in_reply_to": mail["In-Reply-To"],
				"references": mail["References"],
				"text": body.get_content() if body else "",
				"attachments": attachments,
			}
		)
	return found


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	commands = parser.add_subparsers(dest="command", required=True)
	sending = commands.add_parser("send")
	sending.add_argument("--sender", required=True)
	sending.add_argument("--name", default="")
	sending.add_argument("--to", required=True)
	sending.add_argument("--subject", required=True)
	sending.add_argument("--text", required=True)
	reading = commands.add_parser("read")
	reading.add_argument("--user", required=True)
	args = parser.parse_args()
	print(json.dumps(send(args) if args.command == "send" else read(args)))


if __name__ == "__main__":
	main()
