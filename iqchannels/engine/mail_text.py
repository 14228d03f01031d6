"""E-mail rules: the client's own words out of a mail (HTML to text, quoted history and signature cut
off), whether a mail was written by a machine, the thread a mail continues, and subjects."""

import re
from collections.abc import Callable
from html.parser import HTMLParser

# --- HTML to text -------------------------------------------------------------------------------------

BLOCKS = {
	"address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset",
	"figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
	"li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "tfoot", "thead", "tr", "ul",
}  # fmt: skip
# Never text: what a browser does not show, and what it runs.
HIDDEN = {"head", "script", "style", "title", "template", "noscript", "object", "iframe", "svg", "xml"}
# The quoted history as mail programs mark it in HTML: Gmail, Outlook (web and desktop), Thunderbird,
# Yahoo, Apple Mail.
QUOTE_CLASSES = {"gmail_quote", "moz-cite-prefix", "yahoo_quoted", "protonmail_quote", "gmail_extra"}
QUOTE_IDS = {"divRplyFwdMsg", "appendonsend", "mail-editor-reference-message-container"}
KEPT_SPACE = "\ue000"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _TextOfHtml(HTMLParser):
	def __init__(self):
		super().__init__(convert_charrefs=True)
		self.out: list[str] = []
		self.skipping: list[str] = []  # open elements whose content is not text (hidden or quoted)
		self.quote_started = False  # everything after the first quoted block is history too
		self.pre = 0
		self.links: list[tuple[str | None, int]] = []  # open links: their address, where their text starts

	def handle_starttag(self, tag, attrs):
		attrs = dict(attrs)
		if self.skipping or self.quote_started:
			if tag not in VOID and self.skipping:
				self.skipping.append(tag)
			return
		classes = set((attrs.get("class") or "").split())
		hidden = tag in HIDDEN or "display:none" in (attrs.get("style") or "").replace(" ", "").lower()
		if hidden or tag == "blockquote" or classes & QUOTE_CLASSES or attrs.get("id") in QUOTE_IDS:
			if not hidden:
				self.quote_started = True
			if tag not in VOID:
				self.skipping.append(tag)
			return
		if tag == "br":
			self.out.append("\n")
		elif tag in BLOCKS:
			self.out.append("\n\n" if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "table") else "\n")
			if tag == "li":
				self.out.append("- ")
			elif tag == "hr":
				self.out.append("---\n")
			elif tag == "pre":
				self.pre += 1
		elif tag in ("td", "th"):
			self.out.append(" ")
		if tag == "a":
			self.links.append((attrs.get("href"), len(self.out)))

	def handle_endtag(self, tag):
		if self.skipping:
			# Close the innermost open element of that name; unclosed ones inside it end with it.
			if tag in self.skipping:
				while self.skipping and self.skipping.pop() != tag:
					pass
			return
		if self.quote_started:
			return
		if tag in BLOCKS:
			if tag != "li":
				self.out.append("\n")
			if tag == "pre" and self.pre:
				self.pre -= 1
		if tag == "a" and self.links:
			href, start = self.links.pop()
			href = href or ""
			shown = "".join(self.out[start:]).strip()
			if re.match(r"^https?://", href, re.I) and href.rstrip("/") not in (shown, shown.rstrip("/")):
				self.out.append(f" ({href})")

	def handle_data(self, data):
		if self.skipping or self.quote_started:
			return
		if self.pre:
			# Kept through the trimming of lines below.
			data = data.replace(" ", KEPT_SPACE).replace("\t", KEPT_SPACE * 4)
		else:
			data = re.sub(r"[ \t\r\n\f\u00a0]+", " ", data)
		self.out.append(data)

	def text(self) -> str:
		lines = [line.strip() for line in "".join(self.out).replace("\u00a0", " ").split("\n")]
		return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip().replace(KEPT_SPACE, " ")


def html_to_text(html: str) -> str:
	"""What a reader sees of an HTML mail, as plain text: no markup, no scripts or styles, links kept
	as their address, and nothing of the quoted history that mail programs mark as such."""
	parser = _TextOfHtml()
	parser.feed(html or "")
	parser.close()
	return parser.text()


# --- the reply above the quoted history ----------------------------------------------------------------

# A line that introduces the quoted mail: "On Mon, 5 Jan 2026, Ann <ann@example.com> wrote:", and the
# same in Russian ("... пишет:", "... написал(а):"), Ukrainian ("... пише:", "... написав:"), German,
# French, Spanish.
ATTRIBUTION = re.compile(
	r"(wrote|writes|пишет|пише|написал|написала|написал\(а\)|написав|написала|написав\(ла\)"
	r"|schrieb|a écrit|escribió)\s*:\s*$",
	re.IGNORECASE,
)
ADDRESS_COLON = re.compile(r"<[^<>@\s]+@[^<>\s]+>\s*:\s*$")
ORIGINAL_MESSAGE = re.compile(
	r"^\s*-{2,}\s*(original message|исходное сообщение|оригинальное сообщение|"
	r"оригінальне повідомлення|початкове повідомлення|вихідне повідомлення|ursprüngliche nachricht|"
	r"message d'origine)\s*-{2,}\s*$",
	re.IGNORECASE,
)
# Outlook's header block of the quoted mail: "From: ...", then "Sent:"/"Date:" within a few lines.
HEADER_FROM = re.compile(r"^\s*\*?(from|от|від|von|de)\s*:\*?\s", re.IGNORECASE)
HEADER_SENT = re.compile(
	r"^\s*\*?(sent|date|to|subject|отправлено|дата|кому|тема|надіслано|gesendet|envoyé)\s*:", re.IGNORECASE
)
UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
SIGNATURE = re.compile(r"^-- ?$")
SENT_FROM_DEVICE = re.compile(
	r"^\s*(sent from my |get outlook for |отправлено с |надіслано з |відправлено з )", re.IGNORECASE
)


def reply_part(text: str) -> str:
	"""The client's new words: the text above the quoted history ("On … wrote:", "> " lines, Outlook's
	"-----Original Message-----" or header block, in English, Russian and Ukrainian) and above the
	signature ("-- "). Empty when the mail has nothing but quotes."""
	lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
	cut = len(lines)
	for i, line in enumerate(lines):
		stripped = line.strip()
		if SIGNATURE.match(line.rstrip("\t")) or ORIGINAL_MESSAGE.match(line):
			cut = i
			break
		if UNDERSCORES.match(line) and any(HEADER_FROM.match(n) for n in lines[i + 1 : i + 3]):
			cut = i
			break
		if HEADER_FROM.match(line) and any(HEADER_SENT.match(n) for n in lines[i + 1 : i + 4]):
			cut = i
			break
		if is_attribution(lines, i):
			# A long attribution is wrapped by the sender's program: "On …, Ann <ann@…>\nwrote:".
			cut = i - 1 if i > 0 and len(stripped) < 20 and lines[i - 1].strip() else i
			break
		if stripped.startswith(">") and only_quotes_below(lines, i):
			cut = i
			break
	kept = lines[:cut]
	while kept and (not kept[-1].strip() or SENT_FROM_DEVICE.match(kept[-1])):
		kept.pop()
	return "\n".join(kept).strip()


def is_attribution(lines: list[str], i: int) -> bool:
	"""Line `i` introduces a quoted mail: it ends in "wrote:" (or an address and a colon, as Gmail
	writes it in Russian: "чт, 5 янв. 2026 г. в 10:00, Анна <ann@example.com>:") and names a date or an
	address, or a quoted block follows it."""
	line = lines[i].strip()
	if not (ATTRIBUTION.search(line) or ADDRESS_COLON.search(line)):
		return False
	context = (lines[i - 1] if i > 0 and len(line) < 20 else "") + " " + line
	return quoted_below(lines, i) or bool(
		re.search(r"\d", context) and ("@" in context or ATTRIBUTION.search(line))
	)


def quoted_below(lines: list[str], i: int) -> bool:
	return any(line.strip() for line in lines[i + 1 : i + 3]) and all(
		line.strip().startswith(">") for line in lines[i + 1 : i + 3] if line.strip()
	)


def only_quotes_below(lines: list[str], i: int) -> bool:
	"""The quoted block at line `i` runs to the end (an inline answer between quotes is kept)."""
	for j in range(i, len(lines)):
		line = lines[j].strip()
		if line and not line.startswith(">"):
			return (
				SIGNATURE.match(lines[j].rstrip("\t")) is not None or SENT_FROM_DEVICE.match(line) is not None
			)
	return True


# --- mail written by a machine --------------------------------------------------------------------------

AUTOMATED_SENDERS = re.compile(
	r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|auto-?reply)([+.-].*)?@", re.IGNORECASE
)
BULK_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}


def automated_reason(header: Callable[[str], str | None], sender: str) -> str | None:
	"""Why the mail is an auto-reply, a bounce or list mail (so no autoreply of ours may answer it), or
	None for a person's mail. `header(name)` gives a header's value or None."""
	auto_submitted = (header("Auto-Submitted") or "").split(";")[0].strip().lower()
	if auto_submitted and auto_submitted != "no":
		return f"Auto-Submitted: {auto_submitted}"
	precedence = (header("Precedence") or "").strip().lower()
	if precedence in BULK_PRECEDENCE:
		return f"Precedence: {precedence}"
	for name in ("X-Autoreply", "X-Autorespond", "X-Autogenerated", "List-Id", "List-Unsubscribe"):
		if header(name) is not None:
			return name
	suppress = (header("X-Auto-Response-Suppress") or "").lower()
	if any(word in suppress for word in ("all", "oof", "autoreply")):
		return "X-Auto-Response-Suppress"
	return_path = header("Return-Path")
	if return_path is not None and return_path.strip() in ("", "<>"):
		return "Return-Path: <>"
	if "multipart/report" in (header("Content-Type") or "").lower():
		return "Content-Type: multipart/report"
	if AUTOMATED_SENDERS.match(sender or ""):
		return f"From: {sender}"
	return None


# --- threads and subjects -------------------------------------------------------------------------------

MESSAGE_ID = re.compile(r"<[^<>\s]+>")


def message_ids(value: str | None) -> list[str]:
	"""The message ids in a Message-ID, In-Reply-To or References header, each with its <>. Ids some
	programs write without brackets are taken too."""
	if not value:
		return []
	found = MESSAGE_ID.findall(value)
	if not found:
		found = [f"<{token}>" for token in value.split() if "@" in token]
	return found


def thread_of(in_reply_to: str | None, references: str | None, limit: int = 50) -> list[str]:
	"""The ids of the earlier mails this one continues, nearest first: the one it answers, then its
	References from the newest back."""
	ids = message_ids(in_reply_to) + list(reversed(message_ids(references)))
	return list(dict.fromkeys(ids))[:limit]


REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|ha|ответ|отв|відп|відповідь)(\[\d+\]|\(\d+\))?\s*:\s*)+", re.I)


def conversation_subject(subject: str | None) -> str:
	"""A mail's subject as its conversation keeps it: without the "Re:" a reply adds."""
	return REPLY_PREFIX.sub("", (subject or "").strip()).strip()


def reply_subject(subject: str | None, fallback: str) -> str:
	"""The subject of our answer: "Re: " and the conversation's subject."""
	subject = conversation_subject(subject) or fallback
	return f"Re: {subject}"


def references_of(ids: list[str], limit: int = 20) -> list[str]:
	"""A References header's ids for an answer in a thread of `ids` (oldest first): the first mail and
	the most recent ones, as RFC 5322 allows when a thread grows long."""
	ids = list(dict.fromkeys(ids))
	if len(ids) <= limit:
		return ids
	return ids[:1] + ids[-(limit - 1) :]
