"""Provider adapters on arbitrary field values: a record or a 400, never another exception."""

from __future__ import annotations

import json

from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.forms import FilePart, Form
from collector.problems import BadRequest
from collector.providers import mailgun, postmark, sendgrid, ses

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


_SES_STATUS = st.sampled_from(["PASS", "FAIL", "GRAY", "PROCESSING_FAILED"]) | _JSON
_SES_VERDICT = st.fixed_dictionaries({}, optional={"status": _SES_STATUS})
_STORED = b"From: Lois <lois@example.org>\r\nSubject: Hola\r\n\r\nMi peri\xc3\xb3dico no lleg\xc3\xb3.\r\n"


@settings(max_examples=examples(200), deadline=None)
@given(
    mail=st.fixed_dictionaries({"messageId": st.text(max_size=20)},
                               optional={"source": st.text(max_size=40), "destination": st.lists(st.text())}),
    action=st.fixed_dictionaries({"type": st.sampled_from(["SNS", "S3", "Lambda"])},
                                 optional={"encoding": st.sampled_from(["UTF8", "BASE64", "utf-7"]),
                                           "bucketName": st.text(max_size=20),
                                           "objectKey": st.text(max_size=20)}),
    verdicts=st.dictionaries(st.sampled_from(["spfVerdict", "dkimVerdict", "dmarcVerdict", "spamVerdict",
                                              "virusVerdict"]), _SES_VERDICT, max_size=5),
    content=st.just(_STORED.decode()) | st.none() | st.text(max_size=200),
)
def test_ses_notifications(mail: dict[str, object], action: dict[str, object], verdicts: dict[str, object],
                           content: str | None) -> None:
    """Valid SNS envelopes (the signature is checked before this) around any receipt the fields allow."""
    document = {"notificationType": "Received", "mail": mail, "receipt": {"action": action, **verdicts},
                "content": content}
    try:
        notification = ses.parse(json.dumps(document))
        assert notification is not None
        ses.convert(notification, lambda bucket, key: _STORED)
    except BadRequest as exc:
        assert exc.detail
