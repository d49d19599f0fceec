"""Every file in events/ is an event its function handles: ``planetmail invoke <Function> -e
events/<file>`` as a person types it, against the real local stack, on isolated topics and tables.

The HTTP events carry example credentials (Bearer ``planetmail-example-token``, Postmark Basic
``example-postmark:example-password``); the invoking environment supplies the same, as
events/README.md tells people to.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from planetmail import aws, codec, topics
from planetmail.kafka import make_consumer
from planetmail.settings import Settings
from planetmail.status import STATUS_TABLE_KEYS

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).parents[3]
IDEMPOTENCY_KEYS = {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}
EXAMPLE_CREDENTIALS = {
    "PLANETMAIL_API_TOKEN": "planetmail-example-token",
    "PLANETMAIL_WEBHOOK_CREDENTIALS": json.dumps(
        {"postmark": {"username": "example-postmark", "password": "example-password"}}),
}
EVENT_FILES = {
    "collector-submit-email.json": "CollectorFunction",
    "collector-webhook-postmark.json": "CollectorFunction",
    "processor-mail-received.json": "ProcessorFunction",
    "responder-mail-ack.json": "ResponderFunction",
    "schedule-imap-poller.json": "ImapPollerFunction",
    "schedule-sla-watchdog.json": "SlaWatchdogFunction",
    "schedule-retrain.json": "RetrainFunction",
}


@pytest.fixture
def stage(isolated_settings: Settings) -> Iterator[Settings]:
    """Topics (isolated_settings), tables and a bucket of this test's own."""
    suffix = uuid.uuid4().hex[:10]
    settings = dataclasses.replace(
        isolated_settings, status_table=f"events-status-{suffix}", idempotency_table=f"events-idem-{suffix}",
        raw_bucket=f"events-raw-{suffix}")
    dynamodb, s3 = aws.client("dynamodb", settings), aws.client("s3", settings)
    tables = ((settings.status_table, STATUS_TABLE_KEYS), (settings.idempotency_table, IDEMPOTENCY_KEYS))
    for table, keys in tables:
        dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST", **keys)
    s3.create_bucket(Bucket=settings.raw_bucket)
    yield settings
    dynamodb.delete_table(TableName=settings.status_table)
    dynamodb.delete_table(TableName=settings.idempotency_table)
    for item in s3.list_objects_v2(Bucket=settings.raw_bucket).get("Contents", []):
        s3.delete_object(Bucket=settings.raw_bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=settings.raw_bucket)


def invoke(function: str, event: str, settings: Settings, **environment: str) -> Any:
    result = run_invoke(function, event, settings, **environment)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def run_invoke(function: str, event: str, settings: Settings,
               **environment: str) -> subprocess.CompletedProcess[str]:
    overrides = (f"TopicPrefix={settings.topic_prefix} StatusTableName={settings.status_table} "
                 f"IdempotencyTableName={settings.idempotency_table} RawBucketName={settings.raw_bucket}")
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "planetmail"), "invoke", function, "-e", f"events/{event}",
         "--parameter-overrides", overrides],
        cwd=ROOT, env={**os.environ, **EXAMPLE_CREDENTIALS, **environment}, capture_output=True, text=True,
        timeout=240, check=False)


def events_on(settings: Settings, name: str) -> list[dict[str, Any]]:
    consumer = make_consumer(settings, group_id=None, auto_offset_reset="earliest", consumer_timeout_ms=3000)
    consumer.subscribe([settings.topic(name)])
    try:
        return [codec.load_object(record.value) for record in consumer]
    finally:
        consumer.close()


def test_events_directory_holds_exactly_the_events_tested() -> None:
    assert sorted(path.name for path in (ROOT / "events").glob("*.json")) == sorted(EVENT_FILES)


@pytest.mark.parametrize("event", ["collector-submit-email.json", "collector-webhook-postmark.json"])
def test_http_api_events_are_accepted_by_the_collector(event: str, stage: Settings) -> None:
    response = invoke(EVENT_FILES[event], event, stage)

    assert response["statusCode"] == 202, response
    accepted = json.loads(response["body"])["id"]
    assert [record["id"] for record in events_on(stage, topics.RECEIVED)] == [accepted]


def test_the_mail_received_event_is_classified_and_sent_on_to_mail_ack(stage: Settings) -> None:
    response = invoke("ProcessorFunction", "processor-mail-received.json", stage)

    assert response == {"batchItemFailures": []}
    [ack] = events_on(stage, topics.ACK)
    assert ack["id"] == "01KBQ7Z0000000000000EVENTS"


def test_the_mail_ack_event_is_acknowledged(stage: Settings) -> None:
    response = invoke("ResponderFunction", "responder-mail-ack.json", stage)

    assert response == {"batchItemFailures": []}
    states = [event["state"] for event in events_on(stage, topics.EVENTS)]
    assert "acknowledged" in states, states


def test_the_schedules_run_the_poller_and_the_watchdog(stage: Settings) -> None:
    poller = invoke("ImapPollerFunction", "schedule-imap-poller.json", stage)
    watchdog = invoke("SlaWatchdogFunction", "schedule-sla-watchdog.json", stage)

    assert poller["published"] == 0 and "PLANETMAIL_IMAP_HOST" in poller["error"]
    assert (watchdog["open"], watchdog["overdue"], watchdog["alerted"]) == (0, [], False)


def test_the_retrain_schedule_runs_the_function_which_names_missing_material(
        stage: Settings, tmp_path: Path) -> None:
    """An empty models folder (a private state folder): the run stops before training and says how to
    provide the material. tests/integration/deploy/test_retrain_function.py runs it to a promotion."""
    result = run_invoke("RetrainFunction", "schedule-retrain.json", stage, PLANETMAIL_STATE_DIR=str(tmp_path))

    assert result.returncode == 1, result.stderr[-2000:]
    answer = json.loads(result.stdout)
    assert answer["errorType"] == "RetrainError"
    assert "upload it with 'planetmail model upload-training'" in answer["errorMessage"]
