"""Consumer lag of a mapping's group: end offsets minus committed offsets, summed over partitions."""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition


class LagProbe:
    def __init__(self, topic: str, group: str, client_options: dict[str, Any]) -> None:
        self._topic = topic
        self._group = group
        self._admin = KafkaAdminClient(**client_options)
        self._consumer = KafkaConsumer(**client_options, group_id=None, enable_auto_commit=False)

    def partitions(self) -> list[TopicPartition]:
        return [
            TopicPartition(self._topic, p)
            for p in sorted(self._consumer.partitions_for_topic(self._topic) or [])
        ]

    def wait_for_partitions(self, timeout: float = 10.0) -> None:
        """A topic created a moment ago may not be in the metadata yet."""
        deadline = time.monotonic() + timeout
        while not self.partitions() and time.monotonic() < deadline:
            time.sleep(0.1)

    def lag(self) -> int:
        partitions = self.partitions()
        ends = self._consumer.end_offsets(partitions)
        committed = self._admin.list_group_offsets({self._group: partitions}).get(self._group, {})
        starts = self._consumer.beginning_offsets(partitions)
        total = 0
        for partition in partitions:
            position = committed.get(partition)
            start = position.offset if position is not None and position.offset >= 0 else starts[partition]
            total += max(0, ends[partition] - start)
        return total

    def close(self) -> None:
        self._consumer.close()
        self._admin.close()
