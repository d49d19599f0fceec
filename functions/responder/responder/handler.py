"""ResponderFunction: Kafka event source on ``mail.ack`` → one acknowledgement per message.

Thin on purpose: the event becomes typed ack requests at the edge, ``Responder`` does the work, and
records that must come again are returned as batch item failures (ReportBatchItemFailures), so the
event-source mapping retries them and, after its retries, sends them to its failure destination.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from planetmail.config import config_source
from planetmail.kafka_event import batch_response
from planetmail.settings import Settings
from responder.acknowledgement import Responder
from responder.kafka_batch import ItemIdentifier, ack_records
from responder.worker import build_responder

logger = Logger(service="responder")

_responder: Responder | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _responder  # noqa: PLW0603 - one responder (and SMTP connection) per warm worker
    if _responder is None:
        settings = Settings.load()
        _responder = build_responder(settings, config=config_source(settings).current)
    return handle(event, _responder)


def handle(event: dict[str, Any], responder: Responder) -> dict[str, Any]:
    failed: list[ItemIdentifier] = []
    records = ack_records(event)
    responder.look_up(record.request for record in records if record.request is not None)
    for record in records:
        if record.request is None:
            logger.error("unreadable mail.ack record", item=record.item, error=record.error)
            failed.append(record.item)
            continue
        try:
            outcome = responder.acknowledge(record.request)
        except Exception:
            logger.exception("acknowledgement failed", tracking_id=record.request.id, item=record.item)
            failed.append(record.item)
            continue
        logger.info("acknowledgement", tracking_id=record.request.id, outcome=str(outcome))
        if outcome.needs_redelivery:
            failed.append(record.item)
    responder.flush()
    return batch_response(failed)
