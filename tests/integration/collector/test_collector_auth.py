"""Every route refuses missing or wrong credentials and signatures; SNS subscriptions are confirmed
only on the allow-listed host; bad input is a precise 4xx problem, never a 500."""

from __future__ import annotations

import dataclasses
import json
import time

import pytest
from collector_payloads import (
    API_TOKEN,
    RecordingFetcher,
    fixture_bytes,
    mailgun_form,
    sign_sns,
    sns_timestamp,
)
from fastapi.testclient import TestClient

from collector.app import create_app
from collector.runtime import Runtime

pytestmark = pytest.mark.integration

MAILGUN_FIELDS = {"from": "lois@example.org", "body-plain": "hi", "recipient": "letters@dailyplanet.example"}


@pytest.mark.parametrize(
    ("path", "headers", "auth"),
    [
        ("/v1/emails", {}, None),
        ("/v1/emails", {"Authorization": "Bearer wrong"}, None),
        ("/v1/emails", {"Authorization": f"Basic {API_TOKEN}"}, None),
        ("/webhooks/sendgrid", {}, None),
        ("/webhooks/sendgrid", {}, ("sg-user", "wrong")),
        ("/webhooks/postmark", {}, ("pm-user", "sg-pass")),
        ("/webhooks/postmark", {"Authorization": "Basic !!!"}, None),
    ],
)
def test_missing_or_wrong_credentials_are_401(client: TestClient, path: str, headers, auth) -> None:
    response = client.post(
        path, content=b"{}", headers={"Content-Type": "application/json", **headers}, auth=auth
    )

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "www-authenticate" in response.headers


def test_status_needs_the_bearer_token(client: TestClient) -> None:
    assert client.get("/v1/emails/01ANY").status_code == 401


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"signature": "0" * 64}, "does not match"),
        ({"timestamp": str(int(time.time()) - 3600)}, "timestamp"),
    ],
)
def test_mailgun_bad_signature_or_stale_timestamp_is_401(client: TestClient, change, reason) -> None:
    form = mailgun_form(MAILGUN_FIELDS, timestamp=int(change.get("timestamp", time.time())))
    if "signature" in change:
        form["signature"] = change["signature"]

    response = client.post("/webhooks/mailgun", data=form)

    assert response.status_code == 401
    assert reason in response.json()["detail"]


def test_mailgun_replayed_token_is_401_but_a_retry_of_a_stored_message_is_202(client: TestClient) -> None:
    form = mailgun_form({**MAILGUN_FIELDS, "Message-Id": "<replay-1@example.org>"})
    first = client.post("/webhooks/mailgun", data=form)
    retry = client.post("/webhooks/mailgun", data=form)
    forged = client.post("/webhooks/mailgun", data={**form, "Message-Id": "<other@example.org>"})

    assert (first.status_code, retry.status_code) == (202, 202)
    assert retry.json() == {**first.json(), "duplicate": True}
    assert forged.status_code == 401 and "already used" in forged.json()["detail"]


def test_ses_invalid_signature_is_401(client: TestClient) -> None:
    document = fresh(json.loads(fixture_bytes("ses/invalid_signature.json")))
    response = client.post("/webhooks/ses", json=document)

    assert response.status_code == 401
    assert "signature" in response.json()["detail"]


def test_ses_subscription_is_confirmed_through_the_fetcher(
    client: TestClient, fetcher: RecordingFetcher
) -> None:
    document = json.loads(fixture_bytes("ses/recognized_topic_subscription_request.json"))

    response = client.post("/webhooks/ses", json=sign_sns(document))

    assert response.status_code == 200
    assert fetcher.urls == [document["SubscribeURL"]]


@pytest.mark.parametrize("field", ["SubscribeURL", "SigningCertURL"])
def test_ses_urls_off_the_allow_list_are_refused(
    client: TestClient, fetcher: RecordingFetcher, field
) -> None:
    document = fresh(json.loads(fixture_bytes("ses/valid_signature.json")))
    document[field] = "https://sns.eu-west-1.amazonaws.com.evil.example/x.pem"
    response = client.post("/webhooks/ses", json=sign_sns(document) if field == "SubscribeURL" else document)

    assert response.status_code == 401
    assert field in response.json()["detail"]
    assert fetcher.urls == []


@pytest.mark.parametrize(
    ("path", "content_type", "body", "detail"),
    [
        ("/v1/emails", "application/json", b"{not json", "not valid JSON"),
        ("/v1/emails", "application/json", b'{"to": []}', "from"),
        ("/v1/emails", "message/rfc822", b"just some words", "From"),
        ("/v1/emails", "text/csv", b"a,b", "text/csv"),
        ("/webhooks/sendgrid", "multipart/form-data", b"--x\r\n", "boundary"),
        ("/webhooks/sendgrid", "multipart/form-data; boundary=xYzZY", b"no parts here", "no parts"),
        ("/webhooks/postmark", "application/json", b"[]", "JSON object"),
        ("/webhooks/postmark", "application/json", b'{"FromFull": {}}', "MessageID"),
        ("/webhooks/ses", "text/plain", b'{"Type": "Notification"}', "MessageId"),
    ],
)
def test_malformed_input_is_a_precise_4xx(
    client: TestClient, bearer, path, content_type, body, detail
) -> None:
    credentials = {"/webhooks/sendgrid": ("sg-user", "sg-pass"), "/webhooks/postmark": ("pm-user", "pm-pass")}
    response = client.post(
        path, content=body, headers={**bearer, "Content-Type": content_type}, auth=credentials.get(path)
    )

    assert response.status_code in (400, 415), response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_only_allow_listed_sns_topics_are_accepted(collector_settings, fetcher: RecordingFetcher) -> None:
    recognized = json.loads(fixture_bytes("ses/recognized_topic_subscription_request.json"))
    settings = dataclasses.replace(collector_settings, sns_topic_arns=f" {recognized['TopicArn']} ,other")
    runtime = Runtime(settings, fetch=fetcher)
    with TestClient(create_app(runtime)) as client:
        unrecognized = client.post(
            "/webhooks/ses", content=fixture_bytes("ses/unrecognized_topic_subscription_request.json")
        )
        accepted = client.post("/webhooks/ses", json=sign_sns(recognized))

    assert unrecognized.status_code == 401 and "unrecognized-topic" in unrecognized.json()["detail"]
    assert accepted.status_code == 200
    assert fetcher.urls == [recognized["SubscribeURL"]]


def fresh(document: dict[str, str]) -> dict[str, str]:
    """The SNS document with a current Timestamp, left unsigned (its signature no longer matches)."""
    return {**document, "Timestamp": sns_timestamp(time.time())}
