"""Report a lifecycle step: one event on ``mail.events`` and one row in the status timeline.

A request handler (the collector) writes the row at once. A batch handler builds its reporter with
``defer_rows``: rows are held and written together by ``write_rows`` (BatchWriteItem) before the batch
is committed, so a batch of 100 messages costs a handful of DynamoDB calls instead of 200.
"""

from __future__ import annotations

from kafka import KafkaProducer
from kafka.producer.future import FutureRecordMetadata

from planetmail import codec, topics
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import Settings
from planetmail.status import StatusStore


class LifecycleReporter:
    def __init__(
        self, settings: Settings, producer: KafkaProducer, status: StatusStore, *, defer_rows: bool = False
    ) -> None:
        self._topic = settings.topic(topics.EVENTS)
        self._producer = producer
        self._status = status
        self._defer_rows = defer_rows
        self._held: list[LifecycleEvent] = []

    def report(self, event: LifecycleEvent) -> FutureRecordMetadata:
        """Queue the event on Kafka (caller flushes before committing) and record (or hold) the status row."""
        if self._defer_rows:
            self._held.append(event)
        else:
            self._status.record(event)
        return self.announce(event)

    def announce(self, event: LifecycleEvent) -> FutureRecordMetadata:
        """Queue the event on Kafka only: the caller writes the status row (``status.row``) itself."""
        return self._producer.send(self._topic, key=event.id.encode(), value=codec.encode(event))

    def write_rows(self) -> None:
        """Write the held rows. They are let go even when this raises: the caller fails the batch, and
        its redelivery reports the same steps again."""
        held, self._held = self._held, []
        if held:
            self._status.record_all(held)

    def flush(self) -> None:
        """Held rows written and every queued event acknowledged by Kafka, or an exception."""
        self.write_rows()
        self._producer.flush()
