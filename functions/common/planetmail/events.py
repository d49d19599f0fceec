"""Report a lifecycle step: one event on ``mail.events`` and one row in the status timeline."""

from __future__ import annotations

from kafka import KafkaProducer
from kafka.producer.future import FutureRecordMetadata

from planetmail import codec, topics
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import Settings
from planetmail.status import StatusStore


class LifecycleReporter:
    def __init__(self, settings: Settings, producer: KafkaProducer, status: StatusStore) -> None:
        self._topic = settings.topic(topics.EVENTS)
        self._producer = producer
        self._status = status

    def report(self, event: LifecycleEvent) -> FutureRecordMetadata:
        """Queue the event on Kafka (caller flushes before committing) and record the status row."""
        self._status.record(event)
        return self._producer.send(self._topic, key=event.id.encode(), value=codec.encode(event))
