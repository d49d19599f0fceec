"""Hand-off guarantees: 202 only after Kafka acked, duplicates, Kafka down, limits, claim check, status."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient

from collector import mime
from collector.app import create_app
from collector.runtime import Runtime
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import Settings
from planetmail_local.stack.config import free_port

pytestmark = pytest.mark.integration

RFC822 = {"Content-Type": "message/rfc822"}


def _message(text: str = "Where is my paper?", message_id: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Jimmy Olsen <jimmy@example.org>"
    message["To"] = "letters@dailyplanet.example"
    message["Subject"] = "Delivery"
    message["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@example.org>"
    message.set_content(text)
    return message.as_bytes()


def test_same_message_twice_is_one_record_with_one_id(client: TestClient, bearer, received) -> None:
    raw = _message()
    first = client.post("/v1/emails", content=raw, headers={**bearer, **RFC822})
    second = client.post("/v1/emails", content=raw, headers={**bearer, **RFC822})

    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["id"] == second.json()["id"]
    assert (first.json()["duplicate"], second.json()["duplicate"]) == (False, True)
    assert [email.id for email in received(1)] == [first.json()["id"]]


def test_received_event_and_status_timeline(client: TestClient, bearer, events) -> None:
    tracking_id = client.post("/v1/emails", content=_message(), headers={**bearer, **RFC822}).json()["id"]

    [event] = events(1)
    status = client.get(f"/v1/emails/{tracking_id}", headers=bearer)

    assert (event.id, event.stage, event.state) == (tracking_id, "collector", "received")
    assert status.status_code == 200
    assert status.json()["status"] == "received"
    assert [step["state"] for step in status.json()["timeline"]] == ["received"]
    assert (status.json()["final"], status.json()["outcome"]) == (False, None)


def test_status_marks_the_final_state_and_its_reason(client: TestClient, runtime: Runtime, bearer) -> None:
    """The status API showed only the latest step; a person could not tell a message settled (and why)
    from one still owed an outcome, e.g. after an inbox note or an SLA step that came later."""
    tracking_id = client.post("/v1/emails", content=_message(), headers={**bearer, **RFC822}).json()["id"]
    at = datetime.now(UTC)
    runtime.status.record_all([
        LifecycleEvent(id=tracking_id, stage="responder", state="suppressed", at=at + timedelta(seconds=1),
                       detail={"reason": "spam"}),
        LifecycleEvent(id=tracking_id, stage="inbox", state="noted", at=at + timedelta(seconds=2)),
    ])

    status = client.get(f"/v1/emails/{tracking_id}", headers=bearer).json()

    assert (status["status"], status["final"]) == ("noted", True)
    assert {k: status["outcome"][k] for k in ("state", "stage", "reason")} == {
        "state": "suppressed", "stage": "responder", "reason": "spam"}


def test_unknown_tracking_id_is_a_404_problem(client: TestClient, bearer) -> None:
    response = client.get("/v1/emails/01UNKNOWN", headers=bearer)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "01UNKNOWN" in response.json()["detail"]


@pytest.mark.slow
def test_kafka_unavailable_is_a_503_with_retry_after_and_nothing_recorded(
    collector_settings: Settings, bearer, received
) -> None:
    down = dataclasses.replace(collector_settings, kafka_bootstrap=f"127.0.0.1:{free_port()}")
    runtime = Runtime(down)
    raw = _message()
    with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
        response = client.post("/v1/emails", content=raw, headers={**bearer, **RFC822})
    runtime.close()

    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()
    assert "Kafka" in response.json()["detail"]
    # The provider's retry, once Kafka is back, is accepted under the same id (the claim was pending).
    healthy = Runtime(collector_settings)
    with TestClient(create_app(healthy)) as client:
        retry = client.post("/v1/emails", content=raw, headers={**bearer, **RFC822})
    healthy.close()
    assert retry.status_code == 202 and retry.json()["duplicate"] is False
    assert [email.id for email in received(1)] == [retry.json()["id"]]


def test_body_over_the_limit_is_a_413(collector_settings: Settings, bearer) -> None:
    runtime = Runtime(dataclasses.replace(collector_settings, max_body_bytes=1024))
    with TestClient(create_app(runtime)) as client:
        response = client.post("/v1/emails", content=_message("x" * 2000), headers={**bearer, **RFC822})

    assert response.status_code == 413
    assert "1024" in response.json()["detail"]


def test_large_message_is_claim_checked(collector_settings: Settings, bearer, received) -> None:
    runtime = Runtime(dataclasses.replace(collector_settings, inline_body_limit=1000))
    text = "Long letter to the editor. " * 400
    with TestClient(create_app(runtime)) as client:
        response = client.post("/v1/emails", json={"from": "perry@example.org", "text": text}, headers=bearer)
    [email] = received(1)
    bucket, _, key = (email.raw_s3_uri or "").removeprefix("s3://").partition("/")
    stored = runtime.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    runtime.close()

    assert response.status_code == 202
    assert email.body_truncated and len(email.text.encode()) <= 1000
    assert mime.parse(stored, "api").email.text.strip() == text.strip()
