"""Issue 15 against the real stack (Kafka, the AWS endpoint): the SES webhook is closed unless its
topics are configured, old or off-bucket notifications are refused, different messages reusing a
Message-ID are both collected, a message without any id gets a key, provider verdicts reach the record."""

from __future__ import annotations

import base64
import dataclasses
import json
import time
import uuid
from email.message import EmailMessage

import pytest
from collector_payloads import fixture_bytes, sign_sns, sns_timestamp
from fastapi.testclient import TestClient

from collector.app import create_app
from collector.runtime import Runtime
from planetmail import aws

pytestmark = pytest.mark.integration


def _ses(raw: bytes, **receipt: object) -> dict[str, str]:
    """The SES fixture notification carrying ``raw`` (base64), signed with a fresh Timestamp."""
    original = json.loads(fixture_bytes("ses/inbound_email.json"))
    notification = json.loads(original["Message"])
    notification["content"] = base64.b64encode(raw).decode()
    notification["receipt"]["action"]["encoding"] = "BASE64"
    notification["receipt"].update(receipt)
    notification["mail"]["messageId"] = uuid.uuid4().hex
    return {**original, "Message": json.dumps(notification)}


def _mime(text: str, message_id: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "lana@example.org", "letters@example.org", "Hi"
    message["Message-ID"] = message_id
    message.set_content(text)
    return message.as_bytes()


def test_without_configured_topics_the_ses_webhook_refuses_everything(collector_settings, fetcher) -> None:
    """The old collector confirmed any account's subscription and believed its notifications."""
    open_door = dataclasses.replace(collector_settings, sns_topic_arns="")
    with TestClient(create_app(Runtime(open_door, fetch=fetcher))) as client:
        subscription = client.post("/webhooks/ses", json=sign_sns(
            json.loads(fixture_bytes("ses/recognized_topic_subscription_request.json"))))
        notification = client.post("/webhooks/ses", json=sign_sns(_ses(_mime("x", "<a@x>"))))

    assert (subscription.status_code, notification.status_code) == (401, 401)
    assert "PLANETMAIL_SNS_TOPIC_ARNS" in notification.json()["detail"]
    assert fetcher.urls == []


def test_a_sha1_signature_below_the_minimum_is_a_specific_problem(collector_settings, fetcher) -> None:
    """SignatureVersion 1 (SHA1) was accepted whatever the settings; with the template's default minimum
    of 2 it is a 403 naming the fix, while a SignatureVersion 2 notification is collected."""
    strict = dataclasses.replace(collector_settings, sns_min_signature_version=2)
    with TestClient(create_app(Runtime(strict, fetch=fetcher))) as client:
        sha1 = client.post("/webhooks/ses", json=sign_sns(_ses(_mime("v1", f"<{uuid.uuid4().hex}@x>"))))
        sha256 = client.post("/webhooks/ses", json=sign_sns(_ses(_mime("v2", f"<{uuid.uuid4().hex}@x>")),
                                                             version="2"))

    assert sha1.status_code == 403 and sha1.headers["content-type"] == "application/problem+json"
    assert sha1.json()["title"] == "SNS signature version below the configured minimum"
    assert "SesMinSignatureVersion" in sha1.json()["detail"]
    assert sha256.status_code == 202


def test_a_notification_older_than_an_hour_is_refused(client: TestClient, received) -> None:
    document = _ses(_mime("replayed", f"<{uuid.uuid4().hex}@x>"))
    stale = sign_sns({**document, "Timestamp": sns_timestamp(time.time() - 3700)}, fresh=False)

    response = client.post("/webhooks/ses", json=stale)

    assert response.status_code == 401 and "3600" in response.json()["detail"]


def test_an_s3_action_outside_the_configured_bucket_is_never_read(client, runtime: Runtime) -> None:
    """A signed notification from an allowed topic naming the raw-mail bucket: the old collector read
    (and re-ingested) the object with its own role."""
    s3 = aws.client("s3", runtime.settings)
    s3.put_object(Bucket=runtime.settings.raw_bucket, Key="raw/secret.eml", Body=_mime("secret", "<s@x>"))
    original = json.loads(fixture_bytes("ses/inbound_email_s3.json"))
    notification = json.loads(original["Message"])
    action = notification["receipt"]["action"]
    action.update(bucketName=runtime.settings.raw_bucket, objectKey="raw/secret.eml")

    response = client.post("/webhooks/ses", json=sign_sns({**original, "Message": json.dumps(notification)}))

    assert response.status_code == 403, response.text
    assert runtime.settings.ses_bucket in response.json()["detail"]


def test_different_messages_reusing_a_message_id_are_both_collected(client, bearer, received) -> None:
    """The old dedupe key was the sender-chosen Message-ID: the second answered 'duplicate' and was lost."""
    reused = f"<{uuid.uuid4().hex}@example.org>"
    headers = {**bearer, "Content-Type": "message/rfc822"}
    first = client.post("/v1/emails", content=_mime("first text", reused), headers=headers)
    second = client.post("/v1/emails", content=_mime("second text", reused), headers=headers)
    again = client.post("/v1/emails", content=_mime("second text", reused), headers=headers)

    assert [r.json()["duplicate"] for r in (first, second, again)] == [False, False, True]
    assert sorted(email.text.strip() for email in received(2)) == ["first text", "second text"]


def test_a_message_without_any_id_is_deduplicated_by_its_content(client, bearer, received) -> None:
    """Without a key, a retry after a lost answer published a second record (two acknowledgements)."""
    headers = bearer
    document = {"from": "lois@example.org", "subject": "no id", "text": uuid.uuid4().hex}
    first = client.post("/v1/emails", json=document, headers=headers)
    retry = client.post("/v1/emails", json=document, headers=headers)

    assert (first.json()["duplicate"], retry.json()["duplicate"]) == (False, True)
    assert first.json()["id"] == retry.json()["id"]
    assert len(received(1)) == 1


def test_ses_verdicts_reach_the_record(client: TestClient, received) -> None:
    document = _ses(_mime("verdicts", f"<{uuid.uuid4().hex}@x>"), spamVerdict={"status": "FAIL"},
                    virusVerdict={"status": "PASS"})

    response = client.post("/webhooks/ses", json=sign_sns(document, version="2"))

    assert response.status_code == 202, response.text
    [email] = received(1)
    assert email.provider_verdicts is not None
    assert email.provider_verdicts.model_dump() == {"spam": "fail", "score": None, "virus": "pass",
                                                    "provider": "ses"}
