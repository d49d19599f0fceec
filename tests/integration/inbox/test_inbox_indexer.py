"""The indexer on real records: produced to the module's mail.received / mail.events, read back, and
handed over as the event-source mapping's event."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import pytest
from inbox_stack import an_email, classified

from inbox import indexer
from inbox.runtime import Runtime
from planetmail import codec, topics
from planetmail.kafka import make_consumer, make_producer
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import Settings
from planetmail_local.emulator.kafka.event import kafka_event
from planetmail_local.emulator.model import KafkaMapping

pytestmark = pytest.mark.integration


@pytest.fixture
def installed(runtime: Runtime) -> Iterator[Runtime]:
    indexer.use_runtime(runtime)
    yield runtime
    indexer.use_runtime(None)


def produced_event(settings: Settings, topic: str, values: list[bytes]) -> dict[str, Any]:
    """Write the values, read them back from the broker and build the mapping's event from them."""
    physical = settings.topic(topic)
    producer = make_producer(settings)
    offsets = {producer.send(physical, key=b"k", value=value).get(10).offset for value in values}
    producer.close()
    consumer = make_consumer(settings, physical, group_id=None)
    records: list[Any] = []
    deadline = time.monotonic() + 15
    while len(records) < len(offsets) and time.monotonic() < deadline:
        records += [r for batch in consumer.poll(timeout_ms=500).values() for r in batch if r.value in values]
    consumer.close()
    assert len(records) >= len(offsets)
    mapping = KafkaMapping(name="InboxIndexerFunction:test", function="InboxIndexerFunction",
                           topics=(physical,), source="SelfManagedKafka",
                           bootstrap_servers=settings.kafka_bootstrap, consumer_group="inbox-test")
    return kafka_event(mapping, records[-len(values):])


def test_email_verdict_and_acknowledgement_make_a_listed_message(installed: Runtime) -> None:
    settings = installed.settings.pipeline
    email = an_email("Where is my paper?")
    verdict = LifecycleEvent(id=email.id, stage="processor", state="classified",
                             detail=classified("complaints"))
    acked = LifecycleEvent(id=email.id, stage="responder", state="acknowledged")
    events = produced_event(settings, topics.EVENTS, [codec.encode(verdict), codec.encode(acked), b"{junk"])
    assert indexer.handler(events, None) == {"batchItemFailures": []}  # junk is skipped, not retried
    assert installed.store.get(email.id) is None  # no email yet
    received = produced_event(settings, topics.RECEIVED, [codec.encode(email)])
    assert indexer.handler(received, None) == {"batchItemFailures": []}
    item = installed.store.get(email.id)
    assert item is not None
    assert (item["category"]["S"], item["ack_state"]["S"]) == ("complaints", "acknowledged")


def test_a_storage_failure_is_a_batch_item_failure(runtime: Runtime) -> None:
    missing = Runtime(dataclasses.replace(runtime.settings, table="no-such-inbox-table"))
    indexer.use_runtime(missing)
    try:
        event = produced_event(runtime.settings.pipeline, topics.RECEIVED, [codec.encode(an_email())])
        failures = indexer.handler(event, None)["batchItemFailures"]
    finally:
        indexer.use_runtime(None)
    assert len(failures) == 1
