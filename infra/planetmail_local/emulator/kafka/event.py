"""The MSK / self-managed Kafka event Lambda hands a function: pure functions of the records.

{"eventSource": "SelfManagedKafka", "bootstrapServers": "b1:9092,b2:9092",
 "records": {"mail.received-0": [{"topic": ..., "partition": 0, "offset": 15, "timestamp": 1545084650987,
                                  "timestampType": "CREATE_TIME", "key": "<base64>", "value": "<base64>",
                                  "headers": [{"name": [104, 101, -61]}]}]}}
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from planetmail_local.emulator.model import KafkaMapping

PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024
RECORD_OVERHEAD_BYTES = 200
"""JSON field names and numbers around each record's key, value and headers (an estimate)."""
TIMESTAMP_TYPES = {0: "CREATE_TIME", 1: "LOG_APPEND_TIME"}


class KafkaRecord(Protocol):
    """What the event needs from a record (kafka-python's ConsumerRecord has it)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def timestamp_type(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


def partition_key(topic: str, partition: int) -> str:
    return f"{topic}-{partition}"


def kafka_event(mapping: KafkaMapping, records: Iterable[KafkaRecord]) -> dict[str, Any]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(partition_key(record.topic, record.partition), []).append(event_record(record))
    event: dict[str, Any] = {"eventSource": mapping.source}
    if mapping.event_source_arn:
        event["eventSourceArn"] = mapping.event_source_arn
    event["bootstrapServers"] = mapping.bootstrap_servers
    event["records"] = grouped
    return event


def event_record(record: KafkaRecord) -> dict[str, Any]:
    document: dict[str, Any] = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": record.timestamp,
        "timestampType": TIMESTAMP_TYPES.get(record.timestamp_type, "CREATE_TIME"),
    }
    if record.key is not None:
        document["key"] = base64.b64encode(record.key).decode("ascii")
    document["value"] = base64.b64encode(record.value or b"").decode("ascii")
    document["headers"] = [{name: java_bytes(raw or b"")} for name, raw in record.headers]
    return document


def java_bytes(raw: bytes) -> list[int]:
    """Bytes as Java's signed ``byte[]`` serialises them: 0xC3 becomes -61."""
    return [b - 256 if b > 127 else b for b in raw]


def record_size(record: KafkaRecord) -> int:
    """Bytes the record adds to the event once base64-encoded (values grow by 4/3)."""
    raw = (
        len(record.key or b"")
        + len(record.value or b"")
        + sum(len(v or b"") + len(k) for k, v in record.headers)
    )
    return raw * 4 // 3 + RECORD_OVERHEAD_BYTES + 4 * sum(len(v or b"") for _, v in record.headers)


def take_batch(
    buffer: list[KafkaRecord], batch_size: int, limit_bytes: int = PAYLOAD_LIMIT_BYTES
) -> list[KafkaRecord]:
    """Remove and return the next batch: at most ``batch_size`` records and ``limit_bytes`` (never empty)."""
    size = 0
    count = 0
    for record in buffer[:batch_size]:
        size += record_size(record)
        if count and size > limit_bytes:
            break
        count += 1
    batch = buffer[:count]
    del buffer[:count]
    return batch
