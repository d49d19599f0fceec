"""Every provider fixture through the app into the real Kafka, read back as the expected record."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from collector_payloads import fixture_bytes, mailgun_form, resigned_fixture, sign_sns
from fastapi.testclient import TestClient

from collector.runtime import Runtime
from planetmail import aws

pytestmark = pytest.mark.integration

SENDGRID_FORM = {"Content-Type": "multipart/form-data; boundary=xYzZY"}
SENDGRID_AUTH = ("sg-user", "sg-pass")
POSTMARK_AUTH = ("pm-user", "pm-pass")


def test_sendgrid_parsed_fields(client: TestClient, received) -> None:
    response = client.post(
        "/webhooks/sendgrid",
        content=fixture_bytes("sendgrid/default_data.txt"),
        headers=SENDGRID_FORM,
        auth=SENDGRID_AUTH,
    )

    assert response.status_code == 202, response.text
    [email] = received(1)
    assert email.id == response.json()["id"]
    assert (email.source, email.subject, email.sender) == ("sendgrid", "Testing non-raw", "test@example.com")
    assert email.from_.name == "Example User"
    assert [a.address for a in email.to] == ["inbound@inbound.example.com"]
    assert email.text == "Hello Twilio SendGrid!\n"
    assert email.html == "<html><body><strong>Hello Twilio SendGrid!</body></html>\n"
    assert email.content_type == "multipart/alternative"
    assert (email.envelope_from, email.envelope_to) == ("test@example.com", ["inbound@inbound.example.com"])
    assert (email.auth.spf, email.auth.dkim) == ("pass", "pass")
    assert email.date is not None and email.date.year == 2016


@pytest.mark.parametrize("fixture", ["raw_data.txt", "raw_data_with_attachments.txt"])
def test_sendgrid_raw_mode(client: TestClient, received, runtime: Runtime, fixture: str) -> None:
    response = client.post(
        "/webhooks/sendgrid",
        content=fixture_bytes(f"sendgrid/{fixture}"),
        headers=SENDGRID_FORM,
        auth=SENDGRID_AUTH,
    )

    assert response.status_code == 202, response.text
    [email] = received(1)
    assert email.subject.startswith("Inbound Parse Test Raw Data")
    assert email.text == "Hello Twilio SendGrid!\n"
    assert email.raw_s3_uri is not None
    assert _s3_bytes(runtime, email.raw_s3_uri).startswith(b"MIME-Version: 1.0")
    if fixture == "raw_data_with_attachments.txt":
        [attachment] = email.attachments
        assert (attachment.filename, attachment.content_type) == ("SendGrid.jpg", "image/jpeg")
        assert _s3_bytes(runtime, attachment.s3_uri or "")[:3] == b"\xff\xd8\xff"  # a JPEG
        assert attachment.size == len(_s3_bytes(runtime, attachment.s3_uri or ""))
    else:
        assert email.attachments == []


@pytest.mark.parametrize(
    "fixture", ["postmark-inbound-test-payload.json", "postmark-inbound-test-payload-with-raw.json"]
)
def test_postmark(client: TestClient, received, runtime: Runtime, fixture: str) -> None:
    payload = json.loads(fixture_bytes(f"postmark/{fixture}"))
    payload["MessageID"] = str(uuid.uuid4())  # the two fixtures share one id; each test is a new message

    response = client.post("/webhooks/postmark", json=payload, auth=POSTMARK_AUTH)

    assert response.status_code == 202, response.text
    [email] = received(1)
    assert (email.source, email.provider_event_id, email.message_id) == (
        "postmark",
        payload["MessageID"],
        None,
    )
    assert (email.sender, email.from_.name) == ("support@postmarkapp.com", "Postmarkapp Support")
    assert [(a.address, a.name) for a in email.to] == [
        ("mailbox+SampleHash@inbound.postmarkapp.com", "Firstname Lastname")
    ]
    assert [a.address for a in email.cc] == ["firstcc@postmarkapp.com", "secondCc@postmarkapp.com"]
    assert [a.address for a in email.reply_to] == ["replyto@example.com"]
    assert email.envelope_to == ["mailbox+SampleHash@inbound.postmarkapp.com"]
    assert (email.text, email.html) == (payload["TextBody"], payload["HtmlBody"])
    [attachment] = email.attachments
    assert _s3_bytes(runtime, attachment.s3_uri or "") == b"This is attachment contents, base-64 encoded."
    assert (email.raw_s3_uri is not None) == ("RawEmail" in payload)


def test_ses_inline_content(client: TestClient, received) -> None:
    response = client.post(
        "/webhooks/ses",
        content=resigned_fixture("ses/inbound_email.json"),
        headers={"Content-Type": "text/plain; charset=UTF-8"},
    )

    assert response.status_code == 202, response.text
    [email] = received(1)
    assert (email.source, email.provider_event_id) == ("ses", "abcdef0123456789abcdef0123456789abcdef01")
    assert email.message_id == "<CA+X1WqWD+ZHUimo+gm+=TZt7haLJv9G7LjG4M-wu5ka=CwxpYQ@mail.gmail.com>"
    assert (email.sender, email.subject) == ("sender@example.com", "testing")
    assert (email.envelope_from, email.envelope_to) == ("sender@example.com", ["recipient@example.com"])
    assert (email.auth.spf, email.auth.dkim, email.auth.dmarc) == ("pass", "pass", "none")
    assert email.text.strip()


@pytest.fixture
def ses_bucket(runtime: Runtime) -> Iterator[str]:
    """The bucket the S3-action fixture names, holding the fixture's message."""
    action = json.loads(json.loads(fixture_bytes("ses/inbound_email_s3.json"))["Message"])["receipt"][
        "action"
    ]
    s3 = aws.client("s3", runtime.settings)
    s3.create_bucket(Bucket=action["bucketName"])
    s3.put_object(
        Bucket=action["bucketName"], Key=action["objectKey"], Body=fixture_bytes("ses/s3_email.txt")
    )
    yield action["bucketName"]
    s3.delete_object(Bucket=action["bucketName"], Key=action["objectKey"])
    s3.delete_bucket(Bucket=action["bucketName"])


def test_ses_s3_action(client: TestClient, received, ses_bucket: str) -> None:
    response = client.post("/webhooks/ses", content=resigned_fixture("ses/inbound_email_s3.json"))

    assert response.status_code == 202, response.text
    [email] = received(1)
    assert email.provider_event_id == "17at0jiq08p0449huhf16qsmdi6sa1ltm069t801"
    assert (email.sender, email.from_.name, email.subject) == ("bob@example.com", "Smith, Bob E", "Test 500")
    assert email.message_id == "<1344C740-07D3-476E-BEE7-6EB162294DF6@example.com>"
    assert email.text.strip() == "Aaaron"
    assert (email.auth.spf, email.auth.dkim, email.auth.dmarc) == ("none", "none", "fail")


def test_ses_signature_version_2_with_base64_content(client: TestClient, received) -> None:
    original = json.loads(fixture_bytes("ses/inbound_email.json"))
    notification = json.loads(original["Message"])
    mime = _message("Hola, ¿cómo están?", subject="Suscripción")
    notification["content"] = __import__("base64").b64encode(mime).decode()
    notification["receipt"]["action"]["encoding"] = "BASE64"
    notification["mail"]["messageId"] = uuid.uuid4().hex
    signed = sign_sns({**original, "Message": json.dumps(notification)}, version="2")

    response = client.post("/webhooks/ses", json=signed)

    assert response.status_code == 202, response.text
    [email] = received(1)
    assert (email.subject, email.text.strip()) == ("Suscripción", "Hola, ¿cómo están?")


@pytest.mark.parametrize("mode", ["parsed", "mime"])
def test_mailgun(client: TestClient, received, mode: str) -> None:
    message_id = f"<{uuid.uuid4().hex}@mail.example.org>"
    if mode == "mime":
        fields = {"body-mime": _message("Mailgun MIME body", message_id=message_id).decode()}
    else:
        fields = {
            "from": "Lois Lane <lois@example.org>",
            "subject": "Delivery missed",
            "body-plain": "No paper today.",
            "body-html": "<p>No paper today.</p>",
            "Message-Id": message_id,
            "To": "letters@dailyplanet.example",
            "message-headers": json.dumps(
                [
                    ["Received", "by mx"],
                    ["X-Mailgun-Spf", "Pass"],
                    ["Auto-Submitted", "no"],
                    ["Message-Id", message_id],
                ]
            ),
        }
    form = mailgun_form({**fields, "recipient": "letters@dailyplanet.example", "sender": "lois@example.org"})

    response = client.post(
        "/webhooks/mailgun",
        data=form,
        files={"attachment-1": ("note.txt", b"attached", "text/plain")} if mode == "parsed" else None,
    )

    assert response.status_code == 202, response.text
    [email] = received(1)
    assert (email.source, email.message_id, email.sender) == ("mailgun", message_id, "lois@example.org")
    assert email.envelope_to == ["letters@dailyplanet.example"]
    if mode == "parsed":
        assert (email.text, email.auth.spf, email.headers["auto-submitted"]) == (
            "No paper today.",
            "pass",
            "no",
        )
        assert [a.filename for a in email.attachments] == ["note.txt"]
    else:
        assert email.text.strip() == "Mailgun MIME body"


def test_api_json_and_rfc822(client: TestClient, bearer: dict[str, str], received) -> None:
    document = {
        "from": "Clark Kent <clark@example.org>",
        "to": ["letters@dailyplanet.example"],
        "subject": "Praise",
        "html": "<p>Great <b>coverage</b></p>",
        "headers": {"Precedence": "bulk"},
    }
    first = client.post("/v1/emails", json=document, headers=bearer)
    second = client.post(
        "/v1/emails", content=_message("raw body"), headers={**bearer, "Content-Type": "message/rfc822"}
    )

    assert (first.status_code, second.status_code) == (202, 202), (first.text, second.text)
    emails = {email.id: email for email in received(2)}
    from_json, from_raw = emails[first.json()["id"]], emails[second.json()["id"]]
    assert (from_json.text, from_json.headers) == ("Great coverage", {"precedence": "bulk"})
    assert from_raw.text.strip() == "raw body" and from_raw.raw_s3_uri


def _message(text: str, subject: str = "Hello", message_id: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Lois Lane <lois@example.org>"
    message["To"] = "letters@dailyplanet.example"
    message["Subject"] = subject
    message["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@example.org>"
    message.set_content(text)
    return message.as_bytes()


def _s3_bytes(runtime: Runtime, uri: str) -> bytes:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    body: bytes = runtime.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body
