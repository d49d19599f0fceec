"""The edge: an MSK / self-managed Kafka event-source batch in, typed ack requests and failures out."""

from __future__ import annotations

import dataclasses
from typing import Any

from planetmail.ack import AckRequest
from planetmail.codec import RecordError, decode_as
from planetmail.kafka_event import KafkaMessage, kafka_messages

ItemIdentifier = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class AckRecord:
    item: ItemIdentifier
    """What ReportBatchItemFailures needs to redeliver this record."""
    request: AckRequest | None
    error: str | None = None


def ack_records(event: dict[str, Any]) -> list[AckRecord]:
    return [_ack_record(message) for message in kafka_messages(event)]


def _ack_record(message: KafkaMessage) -> AckRecord:
    item = message.item_identifier
    try:
        return AckRecord(item, decode_as(AckRequest, message.value))
    except RecordError as exc:
        return AckRecord(item, None, str(exc))
