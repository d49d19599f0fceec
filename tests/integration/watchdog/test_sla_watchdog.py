"""The scheduled SLA watchdog against the local AWS endpoint (dynalite for the status table and its
sla-by-hour index, moto for SNS with an SQS queue subscribed) and the real Kafka broker."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from planetmail import aws, codec, topics
from planetmail.inbound import utcnow
from planetmail.kafka import make_consumer
from planetmail.lifecycle import LifecycleEvent
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail.status import STATUS_TABLE_KEYS, StatusStore
from sla_watchdog.handler import MissingIndexError, Watchdog

pytestmark = pytest.mark.integration
NOW = utcnow()


@dataclasses.dataclass(frozen=True)
class Stage:
    settings: Settings
    alert_queue: str
    """URL of the SQS queue subscribed to the alert topic."""


@pytest.fixture
def stage(isolated_settings: Settings) -> Iterator[Stage]:
    """A status table and an alert topic of its own; an SQS queue subscribed to read the alerts."""
    suffix = uuid.uuid4().hex[:10]
    settings = dataclasses.replace(isolated_settings, status_table=f"watchdog-status-{suffix}")
    dynamodb, sns, sqs = (aws.client(name, settings) for name in ("dynamodb", "sns", "sqs"))
    dynamodb.create_table(TableName=settings.status_table, BillingMode="PAY_PER_REQUEST", **STATUS_TABLE_KEYS)
    topic = sns.create_topic(Name=f"alerts-{suffix}")["TopicArn"]
    queue = sqs.create_queue(QueueName=f"alerts-{suffix}")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
    queue_arn = attributes["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    yield Stage(dataclasses.replace(settings, alert_topic_arn=topic), queue)
    dynamodb.delete_table(TableName=settings.status_table)
    sns.delete_topic(TopicArn=topic)
    sqs.delete_queue(QueueUrl=queue)


def step(tracking_id: str, state: str, minutes_ago: float) -> LifecycleEvent:
    stage = {"received": "collector"}.get(state, "responder")
    return LifecycleEvent(id=tracking_id, stage=stage, state=state, at=NOW - timedelta(minutes=minutes_ago))


def alerts(stage: Stage) -> list[str]:
    messages = aws.client("sqs", stage.settings).receive_message(
        QueueUrl=stage.alert_queue, WaitTimeSeconds=1, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"])["Message"] for message in messages]


def breaches_on_kafka(settings: Settings, expected: int) -> list[LifecycleEvent]:
    consumer = make_consumer(settings, group_id=None, auto_offset_reset="earliest")
    consumer.subscribe([settings.topic(topics.EVENTS)])
    found: list[LifecycleEvent] = []
    deadline = time.monotonic() + 15
    try:
        while len(found) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                found += [codec.decode_as(LifecycleEvent, record.value) for record in batch]
    finally:
        consumer.close()
    return [event for event in found if event.state == "sla_breach"]


def run(settings: Settings, at: datetime = NOW) -> dict[str, Any]:
    watchdog = Watchdog(settings, clock=lambda: at, config=lambda: PipelineConfig(sla_seconds=300))
    try:
        return dataclasses.asdict(watchdog.check())
    finally:
        watchdog.producer.close()


def test_a_late_message_is_alerted_announced_and_reported_once(stage: Stage) -> None:
    settings = stage.settings
    StatusStore(settings).record_all([
        step("late", "received", 10), step("late", "classified", 9.9),
        step("answered", "received", 10), step("answered", "acknowledged", 9),
        step("spam", "received", 10), step("spam", "suppressed", 9.5),
        step("fresh", "received", 1),
        step("yesterday", "received", 60 * 24),  # outside the look-back window: never judged again
    ])

    first = run(settings)
    second = run(settings, NOW + timedelta(seconds=60))

    assert (first["overdue"], first["alerted"], first["open"]) == (["late"], True, 2)
    assert second["overdue"] == []
    [alert] = alerts(stage)
    assert "late  received" in alert and "fresh" not in alert
    assert [event.id for event in breaches_on_kafka(settings, 1)] == ["late"]
    timeline = StatusStore(settings).timeline("late")
    assert [row["state"] for row in timeline][-1] == "sla_breach"


def test_without_a_topic_breaches_still_reach_mail_events(stage: Stage) -> None:
    local = dataclasses.replace(stage.settings, alert_topic_arn=None)
    StatusStore(local).record(step("late", "received", 6))

    result = run(local)

    assert (result["overdue"], result["alerted"]) == (["late"], False)
    assert alerts(stage) == []
    assert [event.id for event in breaches_on_kafka(local, 1)] == ["late"]



def test_a_status_table_without_the_index_is_named_with_the_fix(stage: Stage) -> None:
    old = dataclasses.replace(stage.settings, status_table=f"watchdog-old-{uuid.uuid4().hex[:10]}")
    dynamodb = aws.client("dynamodb", old)
    keys = {"KeySchema": STATUS_TABLE_KEYS["KeySchema"],
            "AttributeDefinitions": STATUS_TABLE_KEYS["AttributeDefinitions"][:2]}
    dynamodb.create_table(TableName=old.status_table, BillingMode="PAY_PER_REQUEST", **keys)
    try:
        with pytest.raises(MissingIndexError, match=f"{old.status_table} has no sla-by-hour index.*; create"):
            Watchdog(old, config=PipelineConfig).check()
    finally:
        dynamodb.delete_table(TableName=old.status_table)
