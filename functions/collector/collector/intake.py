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

from collector.claimcheck import ClaimCheck
from collector.delivery import Delivery
from collector.ledger import dedupe_key
from collector.problems import ServiceUnavailable
from collector.runtime import Runtime
from planetmail import codec, topics
from planetmail.inbound import InboundEmail
from planetmail.lifecycle import LifecycleEvent

_log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Acceptance:
    id: str
    duplicate: bool


def accept(delivery: Delivery, runtime: Runtime) -> Acceptance:
    ledger = runtime.ledger
    item_id = dedupe_key(delivery.email.source, delivery.dedupe_key) if delivery.dedupe_key else None
    if item_id is not None:
        claim = ledger.claim(item_id, delivery.email.id)
        if claim.stored:
            return Acceptance(claim.tracking_id, duplicate=True)
        delivery = delivery.with_email(id=claim.tracking_id)
    settings = runtime.settings
    email = ClaimCheck(runtime.s3, settings.raw_bucket, settings.inline_body_limit).store(delivery)
    publish(email, runtime)
    _report_received(email, runtime)
    if item_id is not None:
        ledger.mark_stored(item_id)
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


def _report_received(email: InboundEmail, runtime: Runtime) -> None:
    """The record is already durable: a lost lifecycle event is logged, not a reason to refuse the mail."""
    event = LifecycleEvent(id=email.id, stage="collector", state="received", received_at=email.received_at,
                           detail={"source": email.source, "sender": email.sender})
    try:
        runtime.reporter.report(event).get(timeout=runtime.ack_timeout)
    except (KafkaError, ServiceUnavailable, ClientError, BotoCoreError) as exc:
        _log.warning("lifecycle event for %s not reported: %s", email.id, exc)
