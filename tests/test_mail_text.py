import pytest

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


def headers(**values):
	named = {k.replace("_", "-").lower(): v for k, v in values.items()}
	return lambda name: named.get(name.lower())


# --- HTML -------------------------------------------------------------------------------------------


def test_html_becomes_plain_text_without_markup_scripts_or_styles():
	html = """<html><head><title>T</title><style>p{color:red}</style></head><body>
	<p>Hello,&nbsp;<b>team</b>!</p><script>alert(1)</script>
	<div>Line one<br>Line two</div><ul><li>first</li><li>second</li></ul>
	<img src="x" onerror="alert(2)"><p>A &lt;tag&gt; &amp; more</p></body></html>"""
	assert html_to_text(html) == "Hello, team!\n\nLine one\nLine two\n\n- first\n- second\n\nA <tag> & more"


def test_links_keep_their_address_once():
	html = '<p>See <a href="https://example.com/faq">our FAQ</a> or <a href="https://example.com">https://example.com</a></p>'
	assert html_to_text(html) == "See our FAQ (https://example.com/faq) or https://example.com"


def test_javascript_links_are_not_kept():
	assert html_to_text('<a href="javascript:alert(1)">click</a>') == "click"


def test_gmail_quote_and_everything_after_it_is_history():
	html = """<div dir="ltr">Thanks, it works now.</div><br><div class="gmail_quote"><div dir="ltr"
	class="gmail_attr">On Mon, 5 Jan 2026 at 10:00, Support &lt;support@example.com&gt; wrote:<br></div>
	<blockquote class="gmail_quote">Please restart the router.</blockquote></div>"""
	assert html_to_text(html) == "Thanks, it works now."


def test_outlook_reply_block_is_history():
	html = """<div>Yes, please call me.</div><div id="appendonsend"></div><hr>
	<div id="divRplyFwdMsg"><b>From:</b> Support<br><b>Sent:</b> Monday</div><div>Old text</div>"""
	assert html_to_text(html) == "Yes, please call me."


def test_hidden_preheader_text_is_not_shown():
	assert html_to_text('<div style="display: none">preview</div><p>Body</p>') == "Body"


def test_pre_keeps_its_lines():
	assert html_to_text("<pre>a  b\n  c</pre>") == "a  b\n  c"


# --- quoted history and signatures --------------------------------------------------------------------


def test_text_above_on_wrote_is_the_reply():
	text = "Thanks!\n\nOn Mon, 5 Jan 2026 at 10:00, Support <support@example.com> wrote:\n> Try again.\n> Bye"
	assert reply_part(text) == "Thanks!"


def test_wrapped_attribution_is_cut_with_its_first_line():
	text = (
		"Thanks!\n\nOn Mon, 5 Jan 2026 at 10:00 AM Support Team <support@example.com>\nwrote:\n\n> Try again."
	)
	assert reply_part(text) == "Thanks!"


@pytest.mark.parametrize(
	"attribution",
	[
		"12.10.2023 15:32, Иван Петров пишет:",
		"чт, 12 окт. 2023 г. в 15:32, Иван Петров <ivan@example.com>:",
		"Четверг, 12 октября 2023, 15:32 +03:00 от Иван <ivan@mail.ru>:",
		"чт, 12 жовт. 2023 р. о 15:32 Іван <ivan@example.com> пише:",
		"12.10.2023 15:32, Іван написав:",
		"Am 12.10.2023 um 15:32 schrieb Hans <hans@example.de>:",
	],
)
def test_russian_ukrainian_and_other_attributions(attribution):
	assert reply_part(f"Спасибо, всё работает.\n\n{attribution}\n> Перезагрузите роутер.") == (
		"Спасибо, всё работает."
	)


def test_a_sentence_ending_in_wrote_is_not_a_quote():
	text = "Here is what my manager wrote:\nplease send the invoice again."
	assert reply_part(text) == text


def test_outlook_original_message_is_cut():
	text = "Call me tomorrow.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\nOld text"
	assert reply_part(text) == "Call me tomorrow."


@pytest.mark.parametrize(
	"separator", ["-----Исходное сообщение-----", "----- Оригінальне повідомлення -----"]
)
def test_outlook_original_message_in_russian_and_ukrainian(separator):
	assert reply_part(f"Жду звонка.\n{separator}\nОт: Support\nstuff") == "Жду звонка."


def test_outlook_header_block_is_cut():
	text = (
		"Works now.\n\n________________________________\nFrom: Support <s@example.com>\n"
		"Sent: Monday, January 5, 2026 10:00\nTo: Ann\nSubject: Re: Router\n\nOld text"
	)
	assert reply_part(text) == "Works now."


def test_russian_outlook_header_block_is_cut():
	text = (
		"Работает.\n\nОт: Support <s@example.com>\nОтправлено: 5 января 2026 г. 10:00\nКому: Анна\n\nСтарое"
	)
	assert reply_part(text) == "Работает."


def test_signature_below_dash_dash_space_is_cut():
	assert reply_part("Please call back.\n\n-- \nAnn Smith\nACME Inc.\n+1 555 0100") == "Please call back."


def test_sent_from_my_phone_is_cut():
	assert reply_part("On my way.\n\nSent from my iPhone") == "On my way."


def test_inline_answers_between_quotes_are_kept():
	text = "> Which model?\nX200\n> Since when?\nYesterday"
	assert reply_part(text) == text


def test_trailing_quoted_block_is_cut():
	assert reply_part("Yes.\n\n> Shall we call you?\n> Support") == "Yes."


def test_nothing_but_quotes_leaves_nothing():
	assert reply_part("> old\n> text") == ""


def test_crlf_lines():
	assert reply_part("Hi\r\n-- \r\nAnn") == "Hi"


# --- automated mail -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
	"values",
	[
		{"auto_submitted": "auto-replied"},
		{"auto_submitted": "auto-generated; type=dsn"},
		{"precedence": "bulk"},
		{"precedence": "list"},
		{"precedence": "junk"},
		{"precedence": "auto_reply"},
		{"x_autoreply": "yes"},
		{"x_autorespond": "on vacation"},
		{"list_id": "<news.example.com>"},
		{"list_unsubscribe": "<mailto:unsubscribe@example.com>"},
		{"return_path": "<>"},
		{"x_auto_response_suppress": "All"},
		{"content_type": 'multipart/report; report-type="delivery-status"'},
	],
)
def test_machine_written_mail_is_recognised(values):
	assert automated_reason(headers(**values), "ann@example.com")


@pytest.mark.parametrize(
	"sender",
	["MAILER-DAEMON@mx.example.com", "postmaster@example.com", "noreply@shop.example", "no-reply@x.io"],
)
def test_machine_senders(sender):
	assert automated_reason(headers(), sender)


def test_a_persons_mail_is_not_automated():
	values = {"auto_submitted": "no", "precedence": "normal", "return_path": "<ann@example.com>"}
	assert automated_reason(headers(**values), "ann@example.com") is None


# --- threads and subjects -----------------------------------------------------------------------------


def test_message_ids_with_and_without_brackets():
	assert message_ids("<a@x> <b@y>\r\n <c@z>") == ["<a@x>", "<b@y>", "<c@z>"]
	assert message_ids("a@x") == ["<a@x>"]
	assert message_ids(None) == []


def test_thread_is_nearest_first_without_repeats():
	assert thread_of("<c@x>", "<a@x> <b@x> <c@x>") == ["<c@x>", "<b@x>", "<a@x>"]


@pytest.mark.parametrize(
	"subject, kept",
	[
		("Re: Router", "Router"),
		("RE: Re: Router", "Router"),
		("Ответ: Роутер", "Роутер"),
		("Fwd: Bill", "Fwd: Bill"),
	],
)
def test_conversation_subject_drops_reply_prefixes(subject, kept):
	assert conversation_subject(subject) == kept


def test_reply_subject():
	assert reply_subject("Re: Router", "x") == "Re: Router"
	assert reply_subject("", "Conversation 5") == "Re: Conversation 5"


def test_long_threads_keep_the_first_and_newest_references():
	ids = [f"<{n}@x>" for n in range(30)]
	kept = references_of(ids, limit=5)
	assert kept == ["<0@x>", "<26@x>", "<27@x>", "<28@x>", "<29@x>"]
