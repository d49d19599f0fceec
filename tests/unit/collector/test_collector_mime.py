"""MIME → InboundEmail: charsets, encodings, structure, reply-policy headers, and property tests."""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from fuzzing import examples
from header_reading import by_the_parser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector import mime
from collector.problems import BadRequest
from planetmail import codec


def _simple(**headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Lois Lane <lois@example.org>")
    message["To"] = "letters@dailyplanet.example"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


@pytest.mark.parametrize(
    ("charset", "encoding"),
    [
        ("iso-8859-1", "quoted-printable"),
        ("utf-8", "base64"),
        ("windows-1252", "8bit"),
        ("utf-8", "quoted-printable"),
    ],
)
def test_charsets_and_transfer_encodings_are_decoded(charset: str, encoding: str) -> None:
    text = "Señor editor, ¿dónde está mi periódico?\n"
    raw = (
        f"From: a@example.org\nSubject: =?utf-8?q?Suscripci=C3=B3n?=\nMIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: {encoding}\n\n"
    ).encode()
    body = text.encode(charset)
    if encoding == "quoted-printable":
        import quopri

        body = quopri.encodestring(body)
    elif encoding == "base64":
        import base64

        body = base64.encodebytes(body)

    email = mime.parse(raw + body, "api").email

    assert email.text == text
    assert email.subject == "Suscripción"


def test_multipart_alternative_keeps_both_bodies() -> None:
    message = _simple(Subject="Both")
    message.set_content("plain words")
    message.add_alternative("<p>html <b>words</b></p>", subtype="html")

    email = mime.parse(message.as_bytes(), "api").email

    assert (email.text.strip(), email.html and email.html.strip()) == (
        "plain words",
        "<p>html <b>words</b></p>",
    )
    assert email.content_type == "multipart/alternative" and email.attachments == []


def test_html_only_mail_gets_text_derived_from_the_html() -> None:
    message = _simple()
    message.set_content(
        "<html><head><style>p {}</style></head><body><p>Hello&nbsp;there</p>"
        "<p>Second &amp; last</p><script>x()</script></body></html>",
        subtype="html",
    )

    email = mime.parse(message.as_bytes(), "api").email

    assert email.text == "Hello\xa0there\n\nSecond & last"


def test_attachments_are_metadata_with_bytes_alongside() -> None:
    message = _simple()
    message.set_content("see attached")
    message.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="bill.pdf")
    forwarded = _simple(Subject="forwarded")
    forwarded.set_content("inner")
    message.add_attachment(forwarded)

    delivery = mime.parse(message.as_bytes(), "api")

    pdf, inner = delivery.attachments
    assert (pdf.meta.filename, pdf.meta.content_type, pdf.content) == (
        "bill.pdf",
        "application/pdf",
        b"%PDF-1.4 fake",
    )
    assert pdf.meta.size == 13 and len(pdf.meta.sha256) == 64
    assert inner.meta.content_type == "message/rfc822" and b"Subject: forwarded" in inner.content
    assert delivery.email.text.strip() == "see attached"


def test_bounce_keeps_content_type_and_report_type() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.org\nTo: letters@dailyplanet.example\nReturn-Path: <>\n"
        b"Auto-Submitted: auto-replied\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
        b"--b\nContent-Type: text/plain\n\nDelivery failed.\n"
        b"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
        b"Final-Recipient: rfc822; x@example.org\nStatus: 5.1.1\n--b--\n"
    )

    email = mime.parse(raw, "imap").email

    assert (email.content_type, email.report_type) == ("multipart/report", "delivery-status")
    assert email.envelope_from == ""
    assert email.headers["auto-submitted"] == "auto-replied"
    assert email.text.strip() == "Delivery failed."


def test_reply_policy_and_threading_headers() -> None:
    message = _simple(
        Precedence="bulk",
        List_Id="<news.example.org>",
        X_Autoreply="yes",
        X_Auto_Response_Suppress="All",
        Reply_To="Desk <desk@example.org>",
        In_Reply_To="<a@x>",
        References="<r1@x> <a@x>",
        Return_Path="<bounce@example.org>",
        Authentication_Results="mx.example; spf=softfail smtp.mailfrom=x; dkim=pass; dmarc=fail",
        X_Unrelated="dropped",
    )
    message.set_content("hi")

    email = mime.parse(message.as_bytes(), "imap").email

    assert {"precedence", "list-id", "x-autoreply", "x-auto-response-suppress", "reply-to"} <= set(
        email.headers
    )
    assert "x-unrelated" not in email.headers
    assert (email.in_reply_to, email.references) == ("<a@x>", ["<r1@x>", "<a@x>"])
    assert [a.address for a in email.reply_to] == ["desk@example.org"]
    assert email.envelope_from == "bounce@example.org"
    assert (email.auth.spf, email.auth.dkim, email.auth.dmarc) == ("softfail", "pass", "fail")


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (b"just words, no headers", "From"),
        (b"Subject: no sender\n\nbody", "From"),
    ],
)
def test_not_a_message_is_a_bad_request(raw: bytes, detail: str) -> None:
    with pytest.raises(BadRequest, match=detail):
        mime.parse(raw, "api")


@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_record_or_a_bad_request(raw: bytes) -> None:
    try:
        delivery = mime.parse(raw, "api")
    except BadRequest as exc:
        assert exc.detail
    else:
        assert delivery.email.from_.address
        assert codec.encode(delivery.email)


@pytest.mark.parametrize("raw", [
    b"From: Lois Lane\x8a<lois@\n\nhi\n",  # found by test_collector_hostile's mutations
    b"From: a@example.com\nSubject: caf\xe9 \x8a\nTo: Cl\xe9ment <\xff@x.y>\n\nhi\n",
])
def test_undecodable_header_bytes_become_replacement_characters_in_a_record_that_encodes(raw: bytes) -> None:
    email = mime.parse(raw, "api").email

    assert "\ufffd" in email.from_.address + email.subject + "".join(a.name for a in email.to)
    assert codec.encode(email)


_HEADERISH = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=60)


@settings(max_examples=examples(100), deadline=None)
@given(
    subject=_HEADERISH,
    body=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=500),
    charset=st.sampled_from(["utf-8", "iso-8859-1"]),
    html=st.booleans(),
)
def test_generated_messages_round_trip(subject: str, body: str, charset: str, html: bool) -> None:
    if charset == "iso-8859-1":
        body = body.encode("latin-1", "replace").decode("latin-1")
    message = _simple()
    message["Subject"] = subject
    message.set_content(body, charset=charset, subtype="html" if html else "plain")

    email = mime.parse(message.as_bytes(), "api").email

    assert email.subject == " ".join(subject.split()) or email.subject == subject
    if html:
        assert email.html is not None and email.html.replace("\r\n", "\n").rstrip("\n") == body.replace(
            "\r\n", "\n"
        ).replace("\r", "\n").rstrip("\n")
    else:
        assert email.text.rstrip("\n") == body.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")


_CONTENT_TYPES = st.sampled_from(
    [
        b"text/plain; charset=utf-8",
        b"text/plain; charset=x-unknown",
        b'text/html; charset="iso-8859-1"',
        b"multipart/mixed; boundary=zz",
        b"multipart/alternative",
        b"multipart/report; report-type=delivery-status; boundary=zz",
        b"message/rfc822",
        b'application/octet-stream; name="a.bin"',
        b"text/plain; charset=utf-16",
        b";;;",
    ]
)
_ENCODINGS = st.sampled_from([b"7bit", b"base64", b"quoted-printable", b"x-uuencode", b"8bit", b"garbage"])
_LINES = st.binary(max_size=80).map(lambda b: b.replace(b"\n", b" ").replace(b"\r", b" "))


@st.composite
def mime_like(draw: st.DrawFn) -> bytes:
    """Header blocks and parts that look like mail but break its rules in every way."""

    def entity(depth: int) -> bytes:
        head = b"Content-Type: " + draw(_CONTENT_TYPES) + b"\nContent-Transfer-Encoding: " + draw(_ENCODINGS)
        head += b"\nContent-Disposition: " + draw(
            st.sampled_from([b"attachment; filename=x", b"inline", b"=?"])
        )
        if depth and draw(st.booleans()):
            parts = [b"--zz\n" + entity(depth - 1) for _ in range(draw(st.integers(0, 3)))]
            return head + b"\n\npreamble\n" + b"\n".join(parts) + draw(st.sampled_from([b"\n--zz--\n", b""]))
        return head + b"\n\n" + b"\n".join(draw(st.lists(_LINES, max_size=5)))

    sender = draw(
        st.sampled_from(
            [
                b"From: a@example.org",
                b"From: =?utf-8?b?w6k=?= <b@example.org>",
                b"From: <>",
                b'From: "unterminated <c@example.org>',
                b"From: @@@",
            ]
        )
    )
    extra = draw(
        st.lists(
            st.tuples(st.sampled_from([b"Date", b"References", b"Reply-To", b"Subject", b"To"]), _LINES),
            max_size=4,
        )
    )
    return sender + b"\n" + b"".join(name + b": " + value + b"\n" for name, value in extra) + entity(2)


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mime_like())
def test_broken_mail_gives_a_record_or_a_bad_request(raw: bytes) -> None:
    try:
        delivery = mime.parse(raw, "imap")
    except BadRequest as exc:
        assert exc.detail
    else:
        assert delivery.email.from_ is not None
        assert codec.encode(delivery.email)
        assert sum(1 for _ in delivery.attachments) == len(delivery.email.attachments)


PLAIN_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)


@settings(max_examples=examples(300), deadline=None)
@given(name=st.sampled_from(["Subject", "X-Mailer", "List-Id", "Received", "Authentication-Results", "From",
                             "Date", "Message-ID", "Content-Type"]),
       lines=st.lists(PLAIN_TEXT, min_size=1, max_size=4), fold=st.sampled_from(["\r\n ", "\r\n\t", "\n "]))
def test_headers_read_as_the_default_policy_reads_them(name: str, lines: list[str], fold: str) -> None:
    """Plain unstructured text skips the header parser (``mime._decoded``): the strings must not change."""
    raw = f"{name}: {fold.join(lines)}\r\nX-Other: =?utf-8?q?caf=C3=A9?=\r\n\r\nbody\r\n".encode()
    message = BytesParser(policy=mime.PARSING).parsebytes(raw)
    assert mime.header_pairs(message) == by_the_parser(message)


VALUELESS = "From: Lois <lois@example.org>\r\nSubject: Hola\r\nMIME-Version: 1.0\r\n"
BODY = "Where is my paper?"
MIXED = "Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"


@pytest.mark.parametrize(("headers", "attachments"), [
    (f"Content-Type: text/plain; name*\r\n\r\n{BODY}\r\n", 0),
    (f"Content-Type: text/plain; charset=utf-8; name*0*\r\n\r\n{BODY}\r\n", 0),
    (f"{MIXED}Content-Type: text/plain; name*\r\n\r\n{BODY}\r\n--XX--\r\n", 0),
    (f"{MIXED}Content-Type: text/plain\r\n\r\n{BODY}\r\n--XX\r\nContent-Type: application/pdf\r\n"
     "Content-Disposition: attachment; filename*\r\nContent-Transfer-Encoding: base64\r\n\r\n"
     "JVBERi0=\r\n--XX--\r\n", 1),
])
def test_a_parameter_without_a_value_does_not_sink_the_message(headers: str, attachments: int) -> None:
    """``policy.default`` raises IndexError on ``name*`` (python/cpython#151857): these were 400s."""
    delivery = mime.parse((VALUELESS + headers).encode(), "imap")

    assert (delivery.email.subject, delivery.email.text.strip()) == ("Hola", BODY)
    assert len(delivery.attachments) == attachments


def test_only_parameters_without_a_value_are_dropped() -> None:
    value = 'text/plain; a=1; name*; b="x y"'
    assert mime.without_valueless_parameters(value) == 'text/plain; a=1; b="x y"'
