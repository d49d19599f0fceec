"""The edge: an MSK / self-managed Kafka event-source batch in, typed ack requests and failures out."""

from __future__ import annotations

import dataclasses
from typing import Any

from aws_lambda_powertools.utilities.data_classes.kafka_event import KafkaEvent, KafkaEventRecord

from planetmail.ack import AckRequest
from planetmail.codec import RecordError, decode_as

ItemIdentifier = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class AckRecord:
    item: ItemIdentifier
    """What ReportBatchItemFailures needs to redeliver this record."""
    request: AckRequest | None
    error: str | None = None


def ack_records(event: dict[str, Any]) -> list[AckRecord]:
    return [_ack_record(record) for record in KafkaEvent(event).records]


def batch_response(failed: list[ItemIdentifier]) -> dict[str, Any]:
    return {"batchItemFailures": [{"itemIdentifier": item} for item in failed]}


def _ack_record(record: KafkaEventRecord) -> AckRecord:
    item = {"partition": f"{record.topic}-{record.partition}", "offset": record.offset}
    try:
        return AckRecord(item, decode_as(AckRequest, record.decoded_value))
    except RecordError as exc:
        return AckRecord(item, None, str(exc))
