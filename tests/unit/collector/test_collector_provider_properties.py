"""Provider adapters on arbitrary field values: a record or a 400, never another exception."""

from __future__ import annotations

import json

from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.forms import FilePart, Form
from collector.problems import BadRequest
from collector.providers import mailgun, postmark, sendgrid

_VALUES = st.one_of(
    st.binary(max_size=120),
    st.sampled_from(
        [
            b"",
            b"a@example.org",
            b"Name <n@example.org>",
            b"{}",
            b"[]",
            b"null",
            b'{"to": 5}',
            b'{"attachment1": 3}',
            b'[["From", "x@y.z"]]',
            b"[[1]]",
            b"{@x : pass}",
            b"\xff",
        ]
    ),
)
_SENDGRID = st.sampled_from(
    [
        "from",
        "to",
        "cc",
        "subject",
        "text",
        "html",
        "headers",
        "envelope",
        "charsets",
        "SPF",
        "dkim",
        "attachment-info",
        "email",
    ]
)
_MAILGUN = st.sampled_from(
    [
        "from",
        "sender",
        "recipient",
        "subject",
        "body-plain",
        "body-html",
        "To",
        "Cc",
        "Message-Id",
        "message-headers",
        "body-mime",
    ]
)


def _form(fields: dict[str, bytes]) -> Form:
    return Form(fields=fields, files={"attachment1": FilePart("a.bin", "application/octet-stream", b"x")})


@settings(max_examples=examples(200), deadline=None)
@given(st.dictionaries(_SENDGRID, _VALUES, max_size=8))
def test_sendgrid_fields(fields: dict[str, bytes]) -> None:
    try:
        sendgrid.convert(_form(fields))
    except BadRequest as exc:
        assert exc.detail


@settings(max_examples=examples(200), deadline=None)
@given(st.dictionaries(_MAILGUN, _VALUES, max_size=8))
def test_mailgun_fields(fields: dict[str, bytes]) -> None:
    try:
        mailgun.convert(_form(fields))
    except BadRequest as exc:
        assert exc.detail


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=examples(200), deadline=None)
@given(
    st.fixed_dictionaries(
        {"MessageID": _JSON, "FromFull": _JSON},
        optional={
            "ToFull": _JSON,
            "Headers": _JSON,
            "Attachments": _JSON,
            "Date": _JSON,
            "RawEmail": _JSON,
            "TextBody": _JSON,
        },
    )
)
def test_postmark_documents(document: dict[str, object]) -> None:
    try:
        postmark.convert(json.dumps(document).encode())
    except BadRequest as exc:
        assert exc.detail
