from planetmail.inbound import Attachment, InboundEmail
from processor.mail import from_inbound
from processor.text import FEATURE_CHARS, clean, has_words, html_to_text, message_text


def _email(**fields):
    return InboundEmail(
        id="01TEST",
        received_at="2026-11-26T10:00:00Z",
        source="api",
        **{"from": {"address": "reader@example.com"}},
        **fields,
    )


def test_html_to_text_keeps_the_words_and_drops_scripts_and_styles():
    html = "<html><head><style>p{}</style></head><body><p>Paper&nbsp;late</p><script>x()</script></body>"
    assert html_to_text(html).split() == ["Paper", "late"]


def test_html_stands_in_for_a_missing_plain_body():
    assert (
        message_text("Subject", "", "<p>Cancel <b>my</b> subscription</p>")
        == "Subject\nCancel my subscription"
    )


def test_plain_body_wins_over_html():
    assert "plain" in message_text("", "plain words", "<p>html words</p>")
    assert "html" not in message_text("", "plain words", "<p>html words</p>")


def test_a_five_megabyte_body_is_bounded():
    text = message_text("Huge", "word " * (1024 * 1024))
    assert len(text) <= FEATURE_CHARS
    assert text.startswith("Huge\nword")


def test_binary_garbage_loses_its_control_characters():
    garbage = bytes(range(256)).decode("latin-1") * 4 + "\ufffd\x00"
    cleaned = clean(garbage)
    assert not any(ord(c) < 32 and c not in "\n\t" for c in cleaned)
    assert "\ufffd" not in cleaned


def test_has_words_needs_two_letters_in_a_row():
    assert has_words("ok")
    assert not has_words("1 2 3 !! ?? a")
    assert not has_words("")


def test_an_attachment_only_email_is_read_by_its_file_names():
    email = _email(attachments=[Attachment(filename="press_release.pdf")])
    assert "press_release.pdf" in from_inbound(email).text


def test_email_text_reads_subject_and_html_body():
    email = _email(subject="Delivery", html="<p>The paper never came</p>")
    assert from_inbound(email).text == "Delivery\nThe paper never came"
