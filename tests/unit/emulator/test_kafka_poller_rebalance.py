"""What a poller's buffer keeps across a rebalance (found by the fault suite: mail skipped under load)."""

from __future__ import annotations

from kafka import TopicPartition
from kafka_records import records

from planetmail_local.emulator.kafka.poller import still_ours


def test_a_partition_assigned_straight_back_keeps_its_buffered_records() -> None:
    buffer = [*records(3, partition=0, start=10), *records(2, partition=1, start=40)]
    revoked = {("orders", 0), ("orders", 1)}

    kept = still_ours(buffer, revoked, {TopicPartition("orders", 0), TopicPartition("orders", 1)})

    assert kept == buffer


def test_a_partition_that_went_to_another_poller_is_dropped() -> None:
    buffer = [*records(3, partition=0, start=10), *records(2, partition=1, start=40)]
    revoked = {("orders", 0), ("orders", 1)}

    kept = still_ours(buffer, revoked, {TopicPartition("orders", 1)})

    assert [(r.partition, r.offset) for r in kept] == [(1, 40), (1, 41)]


def test_partitions_not_revoked_are_untouched() -> None:
    buffer = records(2, partition=2, start=5)

    assert still_ours(buffer, {("orders", 0)}, set()) == buffer
