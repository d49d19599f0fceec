"""InboxIndexerFunction: Kafka event sources on ``mail.received`` and ``mail.events``.

It fills the staff-state table: the email from ``mail.received``, the processor's verdict and the
responder's outcome from ``mail.events`` (single topics, as an event-source mapping reads one topic;
the per-category topics would need one mapping each). Writes are idempotent merges, so redelivery
and any arrival order are fine. A record that is not a valid planetmail record is skipped and logged
(retrying cannot fix it); a storage failure is a batch item failure and is retried.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from inbox.runtime import Runtime
from inbox.store import InboxStore
from inbox.table import sortable_time
from planetmail import topics
from planetmail.codec import RecordError, decode_as
from planetmail.inbound import InboundEmail
from planetmail.kafka_event import KafkaMessage, batch_response, kafka_messages
from planetmail.lifecycle import LifecycleEvent

logger = Logger(service="inbox-indexer")
_OUTCOMES = ("acknowledged", "suppressed", "failed")
_runtime: Runtime | None = None


def runtime() -> Runtime:
    global _runtime  # noqa: PLW0603 - one runtime per warm worker, built lazily
    if _runtime is None:
        _runtime = Runtime()
    return _runtime


def use_runtime(replacement: Runtime | None) -> None:
    """Install a runtime (tests); None rebuilds from settings."""
    global _runtime  # noqa: PLW0603
    _runtime = replacement


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    worker = runtime()
    failed = [message.item_identifier for message in kafka_messages(event)
              if not index(message, worker.store, worker.settings.pipeline.topic(topics.RECEIVED))]
    return batch_response(failed)


def index(message: KafkaMessage, store: InboxStore, received_topic: str) -> bool:
    """Whether the record is done with (indexed, or not ours to index)."""
    try:
        if message.topic == received_topic:
            store.add_email(decode_as(InboundEmail, message.value))
        else:
            index_event(decode_as(LifecycleEvent, message.value), store)
    except RecordError as exc:
        logger.warning("skipping a record that is not a planetmail record",
                       extra={"topic": message.topic, "offset": message.offset, "error": str(exc)})
    except (ClientError, BotoCoreError) as exc:
        logger.warning("the inbox table is unavailable; the record is retried", extra={"error": str(exc)})
        return False
    return True


def indexed(stage: str, state: str) -> bool:
    """Whether an event of this stage and state changes the staff table (template.yaml's
    FilterCriteria on the mail.events mappings deliver only these, so the rest cost no invocation)."""
    return (stage, state) == ("processor", "classified") or (stage == "responder" and state in _OUTCOMES)


def index_event(event: LifecycleEvent, store: InboxStore) -> None:
    if not indexed(event.stage, event.state):
        return
    if event.stage == "processor":
        store.add_classification(event.id, event.detail)
    else:
        store.add_acknowledgement(event.id, event.state, sortable_time(event.at))
