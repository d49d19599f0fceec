"""Where a processed batch goes: category topics, mail.ack, mail.dlq and lifecycle events.

Every send is queued and tracked per source message; after ``flush`` a message counts as done only
when all of its sends were acknowledged by Kafka (acks=all) and its status rows were written (in
batches, by the reporter), so the caller can report the rest as batch item failures and let the
event-source mapping retry them. A dead-lettered message is done once its dead letter is on Kafka:
its status row is a courtesy.

A classified message that gets no acknowledgement request (spam, provider-flagged spam, ordinary
mail) is settled here: ``flush`` reports its terminal ``suppressed`` event with ``detail.reason``, so
no message stops at ``classified`` where nobody sees it was dropped.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from typing import Final

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError
from kafka import KafkaProducer
from kafka.errors import KafkaError
from kafka.future import Future
from kafka.producer.future import FutureRecordMetadata

from planetmail import aws, codec, topics
from planetmail.ack import AckRequest
from planetmail.classification import ClassifiedEmail
from planetmail.dead_letters import dead_letter_headers
from planetmail.events import LifecycleReporter
from planetmail.kafka_event import KafkaMessage
from planetmail.lifecycle import LifecycleEvent
from planetmail.metrics import pipeline_metrics
from planetmail.outcomes import unanswered_reason
from planetmail.settings import Settings

FLUSH_TIMEOUT_SECONDS: Final = 30.0
DEAD_LETTER_ATTEMPTS: Final = 1
"""A record that is not a valid email can never succeed, so it is dead-lettered on its first attempt."""

logger = Logger(service="processor")


class Outputs:
    def __init__(self, settings: Settings, producer: KafkaProducer, reporter: LifecycleReporter) -> None:
        self._settings = settings
        self._producer = producer
        self._reporter = reporter
        self._pending: dict[KafkaMessage, list[FutureRecordMetadata]] = defaultdict(list)
        self._reported: set[KafkaMessage] = set()
        self._dead_lettered: set[KafkaMessage] = set()
        self._unanswered: dict[KafkaMessage, ClassifiedEmail] = {}

    def classified(self, source: KafkaMessage, record: ClassifiedEmail, topic: str) -> None:
        self._send(source, self._settings.topic(topic), record.id.encode(), codec.encode(record))
        self._unanswered[source] = record

    def ack(self, source: KafkaMessage, request: AckRequest) -> None:
        self._unanswered.pop(source, None)
        self._send(source, self._settings.topic(topics.ACK), request.id.encode(), codec.encode(request))

    def dead_letter(self, source: KafkaMessage, error: str) -> None:
        self._dead_lettered.add(source)
        headers = dead_letter_headers(error, source.topic, source.partition, source.offset,
                                      DEAD_LETTER_ATTEMPTS)
        self._pending[source].append(self._producer.send(
            self._settings.topic(topics.DLQ), key=source.key, value=source.value, headers=headers))

    def lifecycle(self, source: KafkaMessage, event: LifecycleEvent) -> None:
        if event.terminal:
            self._unanswered.pop(source, None)
        try:
            self._pending[source].append(self._reporter.report(event))
        except Exception:
            self._unanswered.pop(source, None)  # its batch item fails; the redelivery settles it
            raise
        self._reported.add(source)
        pipeline_metrics.observe(event)

    def flush(self) -> set[KafkaMessage]:
        """Write the status rows, wait for Kafka; return the source messages not completely done."""
        self._settle_unanswered()
        failed = self._without_rows()
        with contextlib.suppress(KafkaError):  # the futures left undone say which messages it concerns
            self._producer.flush(timeout=FLUSH_TIMEOUT_SECONDS)
        failed |= {source for source, futures in self._pending.items()
                   if not all(future.succeeded() for future in futures)}
        self._pending.clear()
        self._reported.clear()
        self._dead_lettered.clear()
        return failed

    def _settle_unanswered(self) -> None:
        unanswered, self._unanswered = self._unanswered, {}
        for source, record in unanswered.items():
            try:
                self.lifecycle(source, _suppressed(record))
            except Exception:
                logger.exception("could not report the suppression", extra={"id": record.id})
                self._pending[source].append(_failed_future())

    def _without_rows(self) -> set[KafkaMessage]:
        """The messages whose status rows could not be written (all of them: one batch write failed)."""
        try:
            self._reporter.write_rows()
        except (ClientError, BotoCoreError, aws.UnprocessedItemsError) as exc:
            logger.warning("status rows not written; the batch's messages are retried",
                           extra={"error": str(exc)})
            return self._reported - self._dead_lettered
        return set()

    def _send(self, source: KafkaMessage, topic: str, key: bytes, value: bytes) -> None:
        self._pending[source].append(self._producer.send(topic, key=key, value=value))


def _suppressed(record: ClassifiedEmail) -> LifecycleEvent:
    email, classification = record.email, record.classification
    detail = {"category": classification.category, "language": classification.language,
              "priority": classification.priority,
              "reason": unanswered_reason(email, classification.category)}
    return LifecycleEvent(id=record.id, stage="processor", state="suppressed",
                          received_at=email.received_at, detail=detail)


def _failed_future() -> FutureRecordMetadata:
    """Marks a message as not done (its batch item fails) when its event could not even be queued."""
    future: Future = Future()
    future.failure(RuntimeError("lifecycle event not reported"))
    return future
