"""Consumer lag per consumer group, straight from Kafka: end offsets minus committed offsets.

Works without the emulator; the emulator's own per-mapping figures (pollers, batches in flight) come
in through ``EmulatorStats``. Only the contract topics under the settings' topic prefix are counted,
so an isolated test or a second local pipeline sees its own lag and nobody else's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

from planetmail.kafka import make_admin, make_consumer
from planetmail.settings import Settings
from planetmail.topics import contract_topics


@dataclasses.dataclass(frozen=True)
class GroupLag:
    group: str
    topic: str
    lag: int
    partitions: int

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def compute_lag(committed: Mapping[str, Mapping[TopicPartition, OffsetAndMetadata]],
                ends: Mapping[TopicPartition, int]) -> list[GroupLag]:
    """Lag per (group, topic); a partition without a known end offset is left out."""
    totals: dict[tuple[str, str], list[int]] = {}
    for group, offsets in committed.items():
        for partition, meta in offsets.items():
            if partition not in ends or meta.offset < 0:
                continue
            entry = totals.setdefault((group, partition.topic), [0, 0])
            entry[0] += max(0, ends[partition] - meta.offset)
            entry[1] += 1
    return [GroupLag(group, topic, lag, count) for (group, topic), (lag, count) in sorted(totals.items())]


def consumer_lag(settings: Settings) -> list[GroupLag]:
    """Ask the cluster for every group's committed offsets and the matching end offsets."""
    admin = make_admin(settings)
    try:
        groups = [str(g["group_id"]) for g in admin.list_groups()]
        committed = admin.list_group_offsets(groups) if groups else {}
    finally:
        admin.close()
    contract = {settings.topic(spec.name) for spec in contract_topics()}
    mine = {group: {p: m for p, m in offsets.items() if p.topic in contract}
            for group, offsets in committed.items()}
    partitions = {p for offsets in mine.values() for p in offsets}
    if not partitions:
        return []
    consumer = make_consumer(settings, group_id=None)
    try:
        ends = consumer.end_offsets(list(partitions))
    finally:
        consumer.close()
    return compute_lag(mine, ends)
