"""Kafka records and mappings for the emulator's unit tests."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from planetmail_local.emulator.model import KafkaMapping


@dataclasses.dataclass(frozen=True)
class Record:
    topic: str = "orders"
    partition: int = 0
    offset: int = 0
    timestamp: int = 1_700_000_000_000
    timestamp_type: int = 0
    key: bytes | None = b"k"
    value: bytes | None = b"{}"
    headers: tuple[tuple[str, bytes], ...] = ()


def records(
    count: int, *, partition: int = 0, start: int = 0, values: dict[int, Any] | None = None
) -> list[Record]:
    values = values or {}
    return [
        Record(
            partition=partition, offset=start + i, value=json.dumps(values.get(start + i, {"n": i})).encode()
        )
        for i in range(count)
    ]


def mapping(**changes: Any) -> KafkaMapping:
    base = KafkaMapping(
        name="Fn:orders",
        function="Fn",
        topics=("orders",),
        source="SelfManagedKafka",
        bootstrap_servers="b1:9092,b2:9092",
        consumer_group="g",
    )
    return dataclasses.replace(base, **changes)
