"""A staff-state table, status table and topics of its own for one inbox, on the running local stack;
shared by the inbox tests, the browser test and the benchmark."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from inbox.settings import InboxSettings
from inbox.store import InboxStore
from inbox.table import INBOX_TABLE_KEYS
from planetmail import aws, codec
from planetmail.inbound import Address, InboundEmail, new_tracking_id
from planetmail.kafka import make_consumer
from planetmail.settings import Secret, Settings
from planetmail.status import STATUS_TABLE_KEYS

STAFF_TOKEN = "staff-token-" + uuid.uuid4().hex


def provision(base: Settings, **inbox: Any) -> InboxSettings:
    """Unique tables for ``base`` (whose topics the caller made), created and ready."""
    suffix = uuid.uuid4().hex[:10]
    pipeline = dataclasses.replace(base, status_table=f"inbox-status-{suffix}")
    settings = InboxSettings(pipeline=pipeline, table=f"inbox-staff-{suffix}", token=Secret(STAFF_TOKEN),
                             staff_name="ana@dailyplanet.example", **inbox)
    dynamodb = aws.client("dynamodb", pipeline)
    for table, keys in ((settings.table, INBOX_TABLE_KEYS), (pipeline.status_table, STATUS_TABLE_KEYS)):
        dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST", **keys)
        dynamodb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1})
    return settings


def remove(settings: InboxSettings) -> None:
    dynamodb = aws.client("dynamodb", settings.pipeline)
    for table in (settings.table, settings.pipeline.status_table):
        dynamodb.delete_table(TableName=table)


def an_email(subject: str = "Where is my paper?", text: str = "It did not arrive today.", *,
             sender: str = "ana@example.org", html: str | None = None,
             received_at: datetime | None = None) -> InboundEmail:
    moment = received_at or datetime.now(UTC)
    return InboundEmail(id=new_tracking_id(moment.timestamp()), received_at=moment, source="api",
                        subject=subject, from_=Address(address=sender, name="Ana"), text=text, html=html)


def classified(category: str, language: str = "en", confidence: float = 0.91) -> dict[str, Any]:
    return {"category": category, "language": language, "priority": "normal", "confidence": confidence,
            "model_version": "test-model"}


def stored(store: InboxStore, email: InboundEmail, category: str, **detail: Any) -> InboundEmail:
    """The email as the indexer would store it once both its records arrived."""
    store.add_email(email)
    store.add_classification(email.id, {**classified(category), **detail})
    return email


def spread(count: int, start: datetime, step: timedelta = timedelta(seconds=1)) -> list[datetime]:
    return [start + step * n for n in range(count)]


def read_topic(settings: Settings, topic: str, expected: int, timeout_s: float = 20.0) -> list[Any]:
    """The first ``expected`` records of a (prefixed) topic, decoded as planetmail JSON documents."""
    consumer = make_consumer(settings, settings.topic(topic), group_id=None, consumer_timeout_ms=1000)
    records: list[Any] = []
    deadline = datetime.now(UTC) + timedelta(seconds=timeout_s)
    try:
        while len(records) < expected and datetime.now(UTC) < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records += [codec.load_object(message.value) for message in batch]
    finally:
        consumer.close()
    return records
