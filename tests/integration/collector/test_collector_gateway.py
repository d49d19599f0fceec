"""End to end through the API-gateway emulator: template.yaml's CollectorFunction in its worker
processes, every provider fixture posted over HTTP and read back from the real Kafka."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

import collector_stack
import httpx
import pytest
from collector_gateway import TEMPLATE, gateway, template_parameters
from collector_payloads import API_TOKEN, CREDENTIALS, fixture_bytes, mailgun_form, resigned_fixture, sign_sns

from planetmail import aws
from planetmail.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SENDGRID = {"Content-Type": "multipart/form-data; boundary=xYzZY"}


def _basic(provider: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(CREDENTIALS[provider].encode()).decode()}


@pytest.fixture(scope="module")
def gateway_url(collector_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    environment = {
        **collector_stack.environment(collector_settings),
        "PLANETMAIL_SNS_CERT_DIR": collector_settings.sns_cert_dir or "",
    }
    with gateway(
        TEMPLATE,
        tmp_path_factory.mktemp("emulator-logs"),
        template_parameters(collector_settings),
        environment,
    ) as url:
        yield url


@pytest.fixture(scope="module")
def ses_s3_object(collector_settings: Settings) -> Iterator[None]:
    action = json.loads(json.loads(fixture_bytes("ses/inbound_email_s3.json"))["Message"])["receipt"][
        "action"
    ]
    s3 = aws.client("s3", collector_settings)
    s3.create_bucket(Bucket=action["bucketName"])
    s3.put_object(
        Bucket=action["bucketName"], Key=action["objectKey"], Body=fixture_bytes("ses/s3_email.txt")
    )
    yield
    s3.delete_object(Bucket=action["bucketName"], Key=action["objectKey"])
    s3.delete_bucket(Bucket=action["bucketName"])


def _postmark(name: str) -> bytes:
    return json.dumps(
        {**json.loads(fixture_bytes(f"postmark/{name}")), "MessageID": str(uuid.uuid4())}
    ).encode()


def _ses_v2() -> bytes:
    document = json.loads(fixture_bytes("ses/inbound_email.json"))
    notification = json.loads(document["Message"])
    notification["mail"]["messageId"] = uuid.uuid4().hex
    return json.dumps(sign_sns({**document, "Message": json.dumps(notification)}, version="2")).encode()


def _mailgun_body(fields: dict[str, str]) -> bytes:
    return urlencode(mailgun_form(fields)).encode()


Case = tuple[str, dict[str, str], Callable[[], bytes], str]
"""(path, headers, body factory, expected subject)"""

CASES: dict[str, Case] = {
    "sendgrid-parsed": (
        "/webhooks/sendgrid",
        SENDGRID | _basic("sendgrid"),
        lambda: fixture_bytes("sendgrid/default_data.txt"),
        "Testing non-raw",
    ),
    "sendgrid-raw": (
        "/webhooks/sendgrid",
        SENDGRID | _basic("sendgrid"),
        lambda: fixture_bytes("sendgrid/raw_data.txt"),
        "Inbound Parse Test Raw Data",
    ),
    "sendgrid-attachment": (
        "/webhooks/sendgrid",
        SENDGRID | _basic("sendgrid"),
        lambda: fixture_bytes("sendgrid/raw_data_with_attachments.txt"),
        "Inbound Parse Test Raw Data with Attachment",
    ),
    "postmark": (
        "/webhooks/postmark",
        {"Content-Type": "application/json"} | _basic("postmark"),
        lambda: _postmark("postmark-inbound-test-payload.json"),
        "Test subject",
    ),
    "postmark-raw": (
        "/webhooks/postmark",
        {"Content-Type": "application/json"} | _basic("postmark"),
        lambda: _postmark("postmark-inbound-test-payload-with-raw.json"),
        "Test subject",
    ),
    "ses-inline": (
        "/webhooks/ses",
        {"Content-Type": "text/plain; charset=UTF-8"},
        lambda: resigned_fixture("ses/inbound_email.json"),
        "testing",
    ),
    "ses-signature-v2": ("/webhooks/ses", {"Content-Type": "text/plain; charset=UTF-8"}, _ses_v2, "testing"),
    "ses-s3-action": (
        "/webhooks/ses",
        {"Content-Type": "text/plain; charset=UTF-8"},
        lambda: resigned_fixture("ses/inbound_email_s3.json"),
        "Test 500",
    ),
    "mailgun": (
        "/webhooks/mailgun",
        {"Content-Type": "application/x-www-form-urlencoded"},
        lambda: _mailgun_body({"from": "lois@example.org", "subject": "Mailgun route", "body-plain": "hi"}),
        "Mailgun route",
    ),
    "api-json": (
        "/v1/emails",
        {"Content-Type": "application/json", "Authorization": f"Bearer {API_TOKEN}"},
        lambda: json.dumps({"from": "perry@example.org", "subject": "Canonical"}).encode(),
        "Canonical",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_fixture_through_the_gateway_into_kafka(
    gateway_url: str, ses_s3_object: None, received, case: str
) -> None:
    path, headers, body, subject = CASES[case]

    response = httpx.post(gateway_url + path, headers=headers, content=body(), timeout=30)

    assert response.status_code == 202, response.text
    assert response.headers["apigw-requestid"]
    [email] = received(1)
    assert (email.id, email.subject) == (response.json()["id"], subject)


def test_status_and_problems_through_the_gateway(gateway_url: str) -> None:
    bearer = {"Authorization": f"Bearer {API_TOKEN}"}
    accepted = httpx.post(
        f"{gateway_url}/v1/emails",
        headers={**bearer, "Content-Type": "application/json"},
        content=b'{"from": "jimmy@example.org"}',
        timeout=30,
    ).json()
    status = httpx.get(f"{gateway_url}/v1/emails/{accepted['id']}", headers=bearer, timeout=30)
    unauthorized = httpx.post(f"{gateway_url}/webhooks/sendgrid", content=b"", timeout=30)
    malformed = httpx.post(
        f"{gateway_url}/webhooks/postmark",
        content=b"{oops",
        timeout=30,
        headers={"Content-Type": "application/json", **_basic("postmark")},
    )

    assert status.status_code == 200 and status.json()["status"] == "received"
    assert (unauthorized.status_code, malformed.status_code) == (401, 400)
    assert malformed.headers["content-type"] == "application/problem+json"
    assert "not valid JSON" in malformed.json()["detail"]


def test_docs_through_the_gateway(gateway_url: str) -> None:
    assert httpx.get(f"{gateway_url}/docs", timeout=30).status_code == 200
    assert "/webhooks/ses" in httpx.get(f"{gateway_url}/openapi.json", timeout=30).json()["paths"]
