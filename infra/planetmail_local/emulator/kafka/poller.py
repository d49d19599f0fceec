"""One poller: a consumer in the mapping's group that gathers batches and hands them to the processor."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from planetmail_local.emulator.kafka.event import KafkaRecord, take_batch
from planetmail_local.emulator.kafka.processor import BatchProcessor
from planetmail_local.emulator.model import KafkaMapping

log = logging.getLogger(__name__)

IDLE_POLL_MS = 500
METADATA_MAX_AGE_MS = 5_000
"""New partitions (and a topic created just before the mapping) are seen within seconds."""
OFFSET_RESETS = {"TRIM_HORIZON": "earliest", "LATEST": "latest", "AT_TIMESTAMP": "latest"}


class KafkaPoller:
    """Thread body; ``processor_factory`` gets this poller's ``settle`` (commit) callback."""

    def __init__(self, mapping: KafkaMapping, client_options: dict[str, Any], stop: threading.Event) -> None:
        self.mapping = mapping
        self.stop = stop
        self._buffer: list[KafkaRecord] = []
        # Both filled by the rebalance listener on Kafka's IO thread, applied on the poller's own thread.
        self._awaiting_start: set[TopicPartition] = set()
        self._revoked: set[tuple[str, int]] = set()
        self._rebalance_lock = threading.Lock()
        self.consumer = KafkaConsumer(
            **client_options,
            group_id=mapping.consumer_group,
            enable_auto_commit=False,
            auto_offset_reset=OFFSET_RESETS[mapping.starting_position],
            max_poll_records=mapping.batch_size,
            isolation_level="read_committed",
            metadata_max_age_ms=METADATA_MAX_AGE_MS,
        )
        self.consumer.subscribe(list(mapping.topics), listener=_StartingPosition(self))

    def run(self, processor: BatchProcessor) -> None:
        try:
            while not self.stop.is_set():
                batch = self._next_batch()
                if batch:
                    processor.process(batch)
        finally:
            self.consumer.close(autocommit=False)

    def settle(self, records: Sequence[KafkaRecord]) -> None:
        """Commit past ``records`` (a prefix of each partition's pending records)."""
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for record in records:
            partition = TopicPartition(record.topic, record.partition)
            offsets[partition] = OffsetAndMetadata(
                max(record.offset + 1, offsets.get(partition, OffsetAndMetadata(0, "", -1)).offset), "", -1
            )
        if not offsets:
            return
        try:
            self.consumer.commit(offsets)
        except KafkaError as exc:  # rebalanced away: the new owner redelivers from the last commit
            log.warning("%s: commit failed (%s); records will be redelivered", self.mapping.name, exc)

    def forget(self, partitions: Sequence[TopicPartition]) -> None:
        """Buffered records of revoked partitions are dropped: their new owner fetches them again."""
        with self._rebalance_lock:
            self._revoked.update((p.topic, p.partition) for p in partitions)

    def _next_batch(self) -> list[KafkaRecord]:
        if len(self._buffer) < self.mapping.batch_size:
            self._fill()
        return take_batch(self._buffer, self.mapping.batch_size)

    def _drop_revoked(self) -> None:
        """After a poll that rebalanced: drop what is buffered for partitions that went to another poller."""
        with self._rebalance_lock:
            revoked, self._revoked = self._revoked, set()
        if revoked:
            self._buffer = still_ours(self._buffer, revoked, self.consumer.assignment())

    def hold_for_start(self, partitions: Sequence[TopicPartition]) -> None:
        self.consumer.pause(*partitions)
        with self._rebalance_lock:
            self._awaiting_start.update(partitions)

    def _apply_starting_timestamp(self) -> None:
        timestamp = self.mapping.starting_timestamp
        with self._rebalance_lock:
            awaiting, self._awaiting_start = self._awaiting_start, set()
        partitions = [p for p in awaiting if p in self.consumer.assignment()]
        fresh = [p for p in partitions if self.consumer.committed(p) is None]
        found = (
            self.consumer.offsets_for_times({p: int((timestamp or 0) * 1000) for p in fresh}) if fresh else {}
        )
        for partition in fresh:
            position = found.get(partition)
            if position is not None:
                self.consumer.seek(partition, position.offset)
            else:
                self.consumer.seek_to_end(partition)
        self.consumer.resume(*partitions)

    def _fill(self) -> None:
        """Wait for a first record, then gather until the batch is full or the batching window closes."""
        window_ends: float | None = (
            time.monotonic() + self.mapping.batching_window_seconds if self._buffer else None
        )
        while len(self._buffer) < self.mapping.batch_size and not self.stop.is_set():
            if self._awaiting_start:
                self._apply_starting_timestamp()
            remaining = IDLE_POLL_MS / 1000 if window_ends is None else window_ends - time.monotonic()
            if remaining <= 0:
                return
            fetched = self.consumer.poll(
                timeout_ms=max(1, int(remaining * 1000)),
                max_records=self.mapping.batch_size - len(self._buffer),
            )
            self._drop_revoked()
            for records in fetched.values():
                self._buffer.extend(records)
            if window_ends is None:
                if not self._buffer:
                    return
                window_ends = time.monotonic() + self.mapping.batching_window_seconds


def still_ours(buffer: list[KafkaRecord], revoked: set[tuple[str, int]],
               assigned: set[TopicPartition]) -> list[KafkaRecord]:
    """The buffered records a poller keeps across a rebalance.

    A partition that went elsewhere is fetched by its new owner from the committed offset, so its records
    go. A partition revoked and assigned straight back (the eager protocol revokes everything first)
    keeps its fetch position in kafka-python 3, so its buffered records must stay: dropping them would
    skip them, and the next commit would pass over mail that was never delivered.
    """
    kept = {(partition.topic, partition.partition) for partition in assigned}
    gone = revoked - kept
    return [record for record in buffer if (record.topic, record.partition) not in gone]


class _StartingPosition(ConsumerRebalanceListener):  # type: ignore[misc]
    """Runs on Kafka's IO thread, so it only pauses or drops; the blocking work happens in the poller."""

    def __init__(self, poller: KafkaPoller) -> None:
        self._poller = poller

    def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        self._poller.forget(revoked)

    def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        if self._poller.mapping.starting_timestamp is not None and assigned:
            self._poller.hold_for_start(assigned)
