"""Kafka helpers for the emulator's integration tests: topics, producing, reading, committed offsets."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from planetmail_local.emulator.kafka.mapping import KafkaEventSourceMapping
from planetmail_local.emulator.kafka.processor import Backoff
from planetmail_local.emulator.model import Application
from planetmail_local.emulator.runtime.pool import FunctionPool

BOOTSTRAP = "127.0.0.1:9092"
FAST_BACKOFF = Backoff(0.05, 0.2)


def produce(
    topic: str,
    values: Iterable[dict[str, Any]],
    headers: list[tuple[str, bytes]] | None = None,
    timestamp_ms: int | None = None,
) -> None:
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")
    try:
        for value in values:
            producer.send(
                topic,
                json.dumps(value).encode(),
                key=b"k",
                partition=0,
                headers=headers or [],
                timestamp_ms=timestamp_ms,
            )
        producer.flush()
    finally:
        producer.close()


def read_topic(topic: str, minimum: int, timeout: float = 10.0) -> list[ConsumerRecord]:
    consumer = KafkaConsumer(
        bootstrap_servers=BOOTSTRAP, group_id=None, auto_offset_reset="earliest", enable_auto_commit=False
    )
    try:
        consumer.assign([TopicPartition(topic, 0)])
        found: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout
        while len(found) < minimum and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                found += records
        # Anything beyond the minimum that is already there counts too.
        for records in consumer.poll(timeout_ms=300).values():
            found += records
        return found
    finally:
        consumer.close()


def committed(group: str, topic: str) -> int | None:
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    try:
        offsets = admin.list_group_offsets({group: [TopicPartition(topic, 0)]}).get(group, {})
    finally:
        admin.close()
    position = offsets.get(TopicPartition(topic, 0))
    return position.offset if position is not None and position.offset >= 0 else None


def wait_until(condition: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def traced(trace_file: Any) -> list[dict[str, Any]]:
    if not trace_file.exists():
        return []
    return [json.loads(line) for line in trace_file.read_text().splitlines() if line.strip()]


@contextlib.contextmanager
def running_mapping(
    app: Application, topic: str, log_dir: Path, scale_interval: float = 2.0
) -> Iterator[tuple[KafkaEventSourceMapping, FunctionPool]]:
    mapping = next(m for m in app.kafka_mappings if m.topics[0] == topic)
    pool = FunctionPool(app.functions[mapping.function], log_dir)
    esm = KafkaEventSourceMapping(
        mapping, pool.invoke, {}, backoff=FAST_BACKOFF, scale_interval=scale_interval
    )
    try:
        esm.start()
        yield esm, pool
    finally:
        esm.stop()
        pool.close()
