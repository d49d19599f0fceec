"""A background reader of ``mail.events`` that replays a look-back window, then follows the topic.

It assigns every partition itself (each dashboard or watchdog sees all events) and commits its
position under its own consumer group, so ``planetmail metrics`` shows its lag like any other.
``caught_up`` is set once the replay reached the end offsets taken at start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta

from kafka import KafkaConsumer, TopicPartition

from planetmail import codec, topics
from planetmail.kafka import make_consumer
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import Settings

log = logging.getLogger(__name__)

EventSink = Callable[[LifecycleEvent], None]
COMMIT_EVERY_SECONDS = 1.0
"""Often enough that the feed's own lag on the dashboard is not an artefact of committing rarely."""


class EventFeed:
    def __init__(self, settings: Settings, sinks: Sequence[EventSink], *, group_id: str,
                 lookback: timedelta = timedelta(minutes=15)) -> None:
        self._settings = settings
        self._sinks = list(sinks)
        self._group_id = group_id
        self._lookback = lookback
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.caught_up = threading.Event()
        self.undecodable = 0
        self._waiting_for_topic = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"event-feed-{self._group_id}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._follow()
            except Exception:  # a broken broker connection must not kill the dashboard
                log.exception("mail.events feed failed; retrying in 2 s")
                self._stop.wait(2.0)

    def _follow(self) -> None:
        consumer = make_consumer(self._settings, group_id=self._group_id, consumer_timeout_ms=1000)
        try:
            partitions = self._assign(consumer)
            if not partitions:
                self._stop.wait(2.0)
                return
            ends = consumer.end_offsets(partitions)
            last_commit = time.monotonic()
            while not self._stop.is_set():
                for records in consumer.poll(timeout_ms=500).values():
                    for record in records:
                        self._deliver(record.value)
                if not self.caught_up.is_set() and all(consumer.position(p) >= ends[p] for p in partitions):
                    self.caught_up.set()
                if time.monotonic() - last_commit > COMMIT_EVERY_SECONDS:
                    consumer.commit()
                    last_commit = time.monotonic()
        finally:
            consumer.close(autocommit=False)

    def _assign(self, consumer: KafkaConsumer) -> list[TopicPartition]:
        topic = self._settings.topic(topics.EVENTS)
        numbers = consumer.partitions_for_topic(topic)
        if not numbers:
            if not self._waiting_for_topic:
                log.warning("topic %s does not exist yet; waiting", topic)
            self._waiting_for_topic = True
            return []
        self._waiting_for_topic = False
        return replay_since(consumer, topic, numbers, time.time() - self._lookback.total_seconds())

    def _deliver(self, value: bytes) -> None:
        try:
            event = codec.decode_as(LifecycleEvent, value)
        except codec.RecordError as exc:
            self.undecodable += 1
            log.warning("skipping a mail.events record: %s", exc)
            return
        for sink in self._sinks:
            sink(event)


def replay_since(consumer: KafkaConsumer, topic: str, numbers: Iterable[int],
                 since: float) -> list[TopicPartition]:
    """Assign the topic's partitions, each positioned at its first record at or after ``since`` (epoch
    seconds), or at its end when nothing is that recent."""
    partitions = [TopicPartition(topic, n) for n in sorted(numbers)]
    consumer.assign(partitions)
    starts = consumer.offsets_for_times(dict.fromkeys(partitions, int(since * 1000)))
    ends = consumer.end_offsets(partitions)
    for partition, found in starts.items():
        # The end as it is now: seek_to_end would be resolved only at the first poll, skipping what
        # arrived in between (a benchmark's whole run).
        consumer.seek(partition, ends[partition] if found is None else found.offset)
    return partitions
