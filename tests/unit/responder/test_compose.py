"""The acknowledgement's headers, and that no user-controlled text can add or split one."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from fuzzing import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

from planetmail.inbound import Address, AuthResults, InboundEmail
from planetmail.pipeline_config import PipelineConfig, SenderIdentity
from responder.compose import (
    Bodies,
    compose,
    header_text,
    recipient_of,
    reply_subject,
    thread_ids,
    wire_bytes,
)

NOW = datetime(2026, 11, 26, 12, 0, 5, tzinfo=UTC)
SENDER = SenderIdentity()
EXPECTED_HEADERS = {
    "from", "to", "subject", "date", "message-id", "in-reply-to", "references", "auto-submitted",
    "x-auto-response-suppress", "mime-version", "content-type",
}


def inbound(subject: str = "Missed delivery", name: str = "Ann", **fields: object) -> InboundEmail:
    values: dict[str, object] = {
        "id": "01JDXYZ0000000000000000000",
        "received_at": NOW,
        "source": "api",
        "subject": subject,
        "from": Address(address="ann@example.com", name=name),
        "message_id": "<orig-1@mail.example.com>",
        "references": ["<root@mail.example.com>"],
        "auth": AuthResults(spf="pass", dkim="pass", dmarc="pass"),
    }
    values.update(fields)
    return InboundEmail.model_validate(values)


def wire(email: InboundEmail) -> EmailMessage:
    """Compose, serialise as on the wire, parse back as a receiving MTA would."""
    data = wire_bytes(compose(email, Bodies("text", "<p>html</p>"), SENDER, NOW))
    parsed = message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def header_names(message: EmailMessage) -> list[str]:
    """Every header once per occurrence, so a duplicated header would show."""
    return sorted(name.lower() for name in message)


def test_headers_of_an_acknowledgement() -> None:
    message = wire(inbound())
    assert header_names(message) == sorted(EXPECTED_HEADERS)
    assert message["Subject"] == "Re: Missed delivery [01JDXYZ0000000000000000000]"
    assert message["Message-ID"] == "<ack.01JDXYZ0000000000000000000@dailyplanet.example>"
    assert message["In-Reply-To"] == "<orig-1@mail.example.com>"
    assert message["References"] == "<root@mail.example.com> <orig-1@mail.example.com>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["From"].addresses[0].addr_spec == "readers@dailyplanet.example"
    assert message["Date"].datetime == NOW
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


def test_a_single_reply_to_inside_the_authenticated_domain_is_preferred() -> None:
    email = inbound(reply_to=[Address(address="ann.work@sales.example.com", name="Ann at work")])
    assert [a.addr_spec for a in wire(email)["To"].addresses] == ["ann.work@sales.example.com"]


@pytest.mark.parametrize(("fields", "expected"), [
    ({"reply_to": [Address(address="collect@attacker.example")]}, "ann@example.com"),
    ({"reply_to": [Address(address="collect@attacker.example")], "envelope_from": "bounce@example.com"},
     "bounce@example.com"),
    ({"envelope_from": "ann+bounces@example.com"}, "ann+bounces@example.com"),
    ({"envelope_from": "srs@forwarder.example", "auth": AuthResults(dkim="pass", dmarc="pass")},
     "ann@example.com"),
    ({"envelope_from": "srs@forwarder.example", "auth": AuthResults(spf="pass", dmarc="pass")},
     "srs@forwarder.example"),
])
def test_replies_go_to_the_authenticated_return_path_never_to_a_foreign_reply_to(
        fields: dict[str, object], expected: str) -> None:
    assert recipient_of(inbound(**fields)).address == expected


def test_the_display_name_is_bounded() -> None:
    assert len(recipient_of(inbound(name="A" * 300)).name) == 64


@pytest.mark.parametrize("subject", ["wq2fjT/N\tGUVN0Z84VP-0tq9G/G2[8=gL(.S.q",
                                     ";4dhSPFnFSfQUGMLXF<AlFdpz0s3bFDRg5 Q7n8u", "Hello € " + "ñ" * 60])
def test_the_subject_is_never_folded_onto_a_continuation_line(subject: str) -> None:
    data = wire_bytes(compose(inbound(subject=subject), Bodies("t", "<p>h</p>"), SENDER, NOW))
    assert b"Subject:\r\n" not in data
    assert not str(message_from_bytes(data, policy=policy.default)["Subject"]).startswith(" ")


def test_only_a_bounded_part_of_the_subject_is_echoed() -> None:
    subject = str(wire(inbound(subject="Win " * 100))["Subject"])
    assert subject.endswith("… [01JDXYZ0000000000000000000]")
    assert len(subject) <= len("Re: ") + 80 + len(" [01JDXYZ0000000000000000000]")
    config = PipelineConfig.model_validate({"reply_policy": {"max_subject_chars": 20}})
    data = wire_bytes(compose(inbound(subject="Win " * 100), Bodies("t", "h"), SENDER, NOW, config))
    short = str(message_from_bytes(data, policy=policy.default)["Subject"])
    assert short.startswith("Re: Win Win Win Win Win… [")


def test_without_an_original_message_id_there_is_no_threading() -> None:
    message = wire(inbound(message_id=None))
    assert message["In-Reply-To"] is None
    assert message["References"] is None


@pytest.mark.parametrize(("original", "expected"), [
    ("Re: RE: aw: Delivery", "Re: Delivery [T1]"),
    ("", "Re: [T1]"),
    ("   ", "Re: [T1]"),
    ("Fwd: tip", "Re: tip [T1]"),
])
def test_reply_subject(original: str, expected: str) -> None:
    assert reply_subject(original, "T1") == expected


@pytest.mark.parametrize("evil", [
    "hello\r\nBcc: victim@example.net",
    "hello\nBcc: victim@example.net",
    "hello\rBcc: victim@example.net",
    "hello\u2028Bcc: victim@example.net",
    "hello\x85Bcc: victim@example.net",
    "hello\r\n\r\n<html>body injection",
    "=?utf-8?q?hello=0D=0ABcc:_victim@example.net?=",
    "=?UTF-8?B?aGVsbG8NCkJjYzogdmljdGltQGV4YW1wbGUubmV0?=",
    "x" * 5000,
])
def test_user_text_cannot_add_or_split_a_header(evil: str) -> None:
    message = wire(inbound(subject=evil, name=evil))
    assert header_names(message) == sorted(EXPECTED_HEADERS)
    assert len(message["To"].addresses) == 1
    assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])
    assert "Bcc" not in message


@pytest.mark.parametrize(("encoded", "leaks"), [
    ("=?utf-8?q?hello=0D=0ABcc:_victim@example.net?=", "Bcc: victim"),
    ("=?UTF-8?B?aGVsbG8NCkJjYzogdmljdGltQGV4YW1wbGUubmV0?=", "Bcc: victim"),
])
def test_encoded_words_from_users_are_not_decoded_by_the_reader(encoded: str, leaks: str) -> None:
    subject = str(wire(inbound(subject=encoded))["Subject"])
    assert leaks not in subject
    assert "= ?" in subject


@settings(max_examples=examples(150), deadline=None)
@given(subject=st.text(max_size=300), name=st.text(max_size=100))
def test_no_text_whatsoever_changes_the_header_set(subject: str, name: str) -> None:
    message = wire(inbound(subject=subject, name=name))
    assert header_names(message) == sorted(EXPECTED_HEADERS)
    assert len(message["To"].addresses) == 1
    assert str(message["Subject"]) == reply_subject(subject, "01JDXYZ0000000000000000000", 80)


WORD = st.text(st.characters(exclude_categories=("Z", "C")), min_size=1, max_size=20)
WORDS = st.lists(WORD, max_size=16).map(" ".join)


@settings(max_examples=examples(150), deadline=None)
@given(subject=WORDS, name=WORDS)
@example(subject="", name="000¡¡¡¡ࠀ𐀀𐀀𐀀𐀀𐀀")  # the default policy's folder wrote an 80-character line
def test_header_lines_fold_within_78_characters(subject: str, name: str) -> None:
    """RFC 5322 §2.1.1's recommended limit, wherever the text leaves room to fold: words of up to 20
    characters here (an encoded word is at most 75). A longer plain word is never broken: see below."""
    data = wire_bytes(compose(inbound(subject=subject, name=name), Bodies("t", "<p>h</p>"), SENDER, NOW))
    head = data.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78


def test_a_long_plain_word_stays_whole_within_the_998_character_limit() -> None:
    """A URL as the subject cannot be folded; RFC 5322 only requires lines of at most 998 characters."""
    url = "https://example.com/" + "a" * 60
    data = wire_bytes(compose(inbound(subject=url, name="b" * 64), Bodies("t", "<p>h</p>"), SENDER, NOW))
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    subject = message_from_bytes(data, policy=policy.default)["Subject"]
    assert str(subject) == f"Re: {url} [01JDXYZ0000000000000000000]"


def test_undecodable_text_is_sent_as_replacement_characters() -> None:
    """Lone surrogates (undecodable bytes as Python holds them) cannot be encoded: composing raised."""
    message = wire(inbound(name="Jos\udce9 Ruiz", subject="Caf\udce9 fr\udc8ao"))
    assert message["To"].addresses[0].display_name == "Jos\ufffd Ruiz"
    assert str(message["Subject"]) == "Re: Caf\ufffd fr\ufffdo [01JDXYZ0000000000000000000]"


def test_only_well_formed_message_ids_are_threaded() -> None:
    ids = ["<ok@example.com>", "<bad\r\nBcc: x@y>", "no-brackets@example.com", "<a b@example.com>",
           " <spaced@example.com> "]
    assert thread_ids(ids) == ["<ok@example.com>", "<spaced@example.com>"]


def test_references_are_bounded() -> None:
    many = [f"<r{i}@example.com>" for i in range(50)]
    references = wire(inbound(references=many))["References"].split()
    assert len(references) == 10
    assert references[-1] == "<orig-1@mail.example.com>"


def test_header_text_flattens_and_limits() -> None:
    assert header_text("a\r\n\tb  c", limit=3) == "a b"
