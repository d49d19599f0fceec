"""The durable hand-off: dedupe, claim check, publish on ``mail.received``, report ``received``.

``accept`` returns only after Kafka acknowledged the record (acks=all); anything that keeps the
record from being stored raises ServiceUnavailable, so the provider retries and nothing is
accepted that is not stored.
"""

from __future__ import annotations

import dataclasses
import logging

from botocore.exceptions import BotoCoreError, ClientError
from kafka.errors import KafkaError
from kafka.producer.future import FutureRecordMetadata

from collector import limits
from collector.claimcheck import ClaimCheck
from collector.delivery import Delivery
from collector.ledger import dedupe_key
from collector.problems import ServiceUnavailable
from collector.runtime import Runtime
from planetmail import aws, codec, status, topics
from planetmail.inbound import InboundEmail
from planetmail.lifecycle import LifecycleEvent

_log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Acceptance:
    id: str
    duplicate: bool


def accept(delivery: Delivery, runtime: Runtime) -> Acceptance:
    limits.check_delivery(delivery)
    item_id = dedupe_key(delivery.email.source, delivery.dedupe_key)
    claim = runtime.ledger.claim(item_id, delivery.email.id)
    if claim.stored:
        return Acceptance(claim.tracking_id, duplicate=True)
    delivery = delivery.with_email(id=claim.tracking_id)
    settings = runtime.settings
    email = ClaimCheck(runtime.s3, settings.raw_bucket, settings.inline_body_limit).store(delivery)
    publish(email, runtime)
    _record_received(email, item_id, runtime)
    return Acceptance(email.id, duplicate=False)


def publish(email: InboundEmail, runtime: Runtime) -> None:
    """Send the record and wait for the broker's acknowledgement (acks=all)."""
    topic = runtime.settings.topic(topics.RECEIVED)
    try:
        future = runtime.producer.send(topic, key=email.sender.encode(), value=codec.encode(email))
        future.get(timeout=runtime.ack_timeout)
    except KafkaError as exc:
        reason = type(exc).__name__
        raise ServiceUnavailable(f"Kafka did not acknowledge the record ({reason}); retry later") from None


def _record_received(email: InboundEmail, item_id: str, runtime: Runtime) -> None:
    """The record is durable: one BatchWriteItem writes the ``received`` status row and, for a
    delivery's dedupe key, the ledger's ``stored`` state, while the lifecycle event goes to Kafka.

    Without the ``stored`` state a retry would publish again, so a failed write is a 503 (the retry
    reuses the tracking id); a status row or lifecycle event that alone is lost is only logged.
    """
    event = LifecycleEvent(id=email.id, stage="collector", state="received", received_at=email.received_at,
                           detail={"source": email.source, "sender": email.sender})
    settings = runtime.settings
    items = {settings.status_table: status.row(event),
             settings.idempotency_table: runtime.ledger.stored_item(item_id, email.id)}
    announced = _announce(event, runtime)
    try:
        aws.put_across(runtime.dynamodb, items)
    except (ClientError, BotoCoreError, aws.UnprocessedItemsError) as exc:
        raise ServiceUnavailable(f"the idempotency table is unavailable: {exc}") from None
    if announced is not None:
        _wait_logged(announced, email.id, runtime)


def _announce(event: LifecycleEvent, runtime: Runtime) -> FutureRecordMetadata | None:
    try:
        return runtime.reporter.announce(event)
    except (KafkaError, ServiceUnavailable) as exc:
        _log.warning("lifecycle event for %s not reported: %s", event.id, exc)
        return None


def _wait_logged(announced: FutureRecordMetadata, tracking_id: str, runtime: Runtime) -> None:
    try:
        announced.get(timeout=runtime.ack_timeout)
    except KafkaError as exc:
        _log.warning("lifecycle event for %s not reported: %s", tracking_id, exc)
