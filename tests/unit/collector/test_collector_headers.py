from __future__ import annotations

import pytest

from collector import headers, mime


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Pass", "pass"),
        ("PASS", "pass"),
        ("fail (bad)", "fail"),
        ("SoftFail", "softfail"),
        ("GRAY", "none"),
        ("PROCESSING_FAILED", "temperror"),
        ("hardfail", "fail"),
        ("DISABLED", None),
        ("", None),
        (None, None),
    ],
)
def test_verdicts_are_normalised(word: str | None, expected: str | None) -> None:
    assert headers.verdict(word) == expected


def test_auth_results_prefer_authentication_results_then_received_spf() -> None:
    assert headers.auth_results(
        {"authentication-results": "mx; dkim=fail; dmarc=pass", "received-spf": "Neutral (x)"}
    ).model_dump() == {"spf": "neutral", "dkim": "fail", "dmarc": "pass"}


def test_kept_headers_are_lower_cased_first_wins_and_capped() -> None:
    kept = headers.kept(
        [
            ("Precedence", "bulk"),
            ("PRECEDENCE", "list"),
            ("List-Post", "<mailto:l@x>"),
            ("X-Other", "y"),
            ("X-Autoreply", "a" * 5000),
        ]
    )
    assert kept == {
        "precedence": "bulk",
        "list-post": "<mailto:l@x>",
        "x-autoreply": "a" * headers.MAX_HEADER_VALUE,
    }


@pytest.mark.parametrize(("value", "expected"), [("<>", ""), (" <b@x.org> ", "b@x.org"), (None, None)])
def test_envelope_sender(value: str | None, expected: str | None) -> None:
    assert headers.envelope_sender(value) == expected


def test_message_ids_and_dates() -> None:
    assert headers.message_ids("<a@x>\n <b@y> junk") == ["<a@x>", "<b@y>"]
    assert headers.message_id("no-brackets@x") == "no-brackets@x"
    assert headers.date("not a date") is None
    parsed = headers.date("Wed, 10 Aug 2016 18:10:13 -0700")
    assert parsed is not None and parsed.utcoffset() is not None


def test_header_fields_are_what_every_adapter_derives_from_a_header_block() -> None:
    fields = headers.header_fields([
        ("Message-ID", "<m@x.org>"),
        ("Reply-To", "Desk <desk@x.org>"),
        ("Return-Path", "<bounce@x.org>"),
        ("Date", "Wed, 10 Aug 2016 18:10:13 -0700"),
        ("In-Reply-To", "<parent@x.org>"),
        ("References", "<root@x.org> <parent@x.org>"),
        ("Authentication-Results", "mx; spf=pass; dkim=fail"),
        ("Subject", "not kept"),
    ])

    assert fields["message_id"] == "<m@x.org>"
    assert [a.address for a in fields["reply_to"]] == ["desk@x.org"]
    assert fields["envelope_from"] == "bounce@x.org"
    assert fields["date"] is not None and fields["date"].year == 2016
    assert fields["in_reply_to"] == "<parent@x.org>"
    assert fields["references"] == ["<root@x.org>", "<parent@x.org>"]
    assert "subject" not in fields["headers"] and "authentication-results" in fields["headers"]
    assert fields["auth"].model_dump() == {"spf": "pass", "dkim": "fail", "dmarc": None}


SLOPPY_MAILBOXES = [
    # (From as written, address, display name): unquoted specials that mail clients do send
    ("John [Sales] <john@example.com>", "john@example.com", "John [Sales]"),
    ("Smith, John <john@example.com>", "john@example.com", "Smith, John"),
    ("john@home <john@example.com>", "john@example.com", "john@home"),
    ("support@paypal.example <scam@evil.example>", "scam@evil.example", "support@paypal.example"),
    ("[ <ann@example.com>", "ann@example.com", "["),
    ("=?utf-8?q?Jos=C3=A9_[Ventas]?= <jose@example.es>", "jose@example.es", "José [Ventas]"),
]


@pytest.mark.parametrize(("written", "address", "name"), SLOPPY_MAILBOXES)
def test_the_mailbox_is_the_bracketed_address_whatever_the_display_name_holds(
    written: str, address: str, name: str
) -> None:
    """The header parser rendered the first three as "John", "Smith" (+ a second mailbox) and "john@home":
    no acknowledgement, or one to the wrong address (the display name of a spoof)."""
    raw = f"From: {written}\r\nSubject: x\r\n\r\nMy paper did not arrive.\r\n".encode()
    email = mime.parse(raw, "imap").email

    assert (email.from_.address, email.from_.name) == (address, name)


@pytest.mark.parametrize(("written", "address", "name"), SLOPPY_MAILBOXES)
def test_the_mailbox_does_not_depend_on_the_runtimes_getaddresses(
    monkeypatch: pytest.MonkeyPatch, written: str, address: str, name: str
) -> None:
    """Python with the CVE-2023-27043 fix (Lambda's 3.12, 3.13) returns ('', '') for these; 3.11.7 reads
    the display name's pieces as addresses. Either way the record names the same mailbox."""
    monkeypatch.setattr(headers, "getaddresses", lambda values: [("", "")])

    [mailbox] = headers.addresses(written)

    assert (mailbox.address, mailbox.name) == (address, name)


@pytest.mark.parametrize(("written", "expected"), [
    ("Ann <ann@example.com>, Bob <bob@example.com>", ["ann@example.com", "bob@example.com"]),
    ("a@example.com, Bob [x] <bob@example.com>", ["a@example.com", "bob@example.com"]),
    ('"<x@y.example>" <real@example.com>', ["real@example.com"]),
])
def test_lists_and_quoted_names_are_still_read_by_the_address_parser(
    written: str, expected: list[str]
) -> None:
    assert [mailbox.address for mailbox in headers.addresses(written)] == expected
