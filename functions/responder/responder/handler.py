"""ResponderFunction: Kafka event source on ``mail.ack`` → one acknowledgement per message.

Thin on purpose: the event becomes typed ack requests at the edge, ``Responder`` does the work, and
records that must come again are returned as batch item failures (ReportBatchItemFailures), so the
event-source mapping retries them and, after its retries, sends them to its failure destination.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from planetmail.config import config_source
from planetmail.kafka_event import batch_response
from planetmail.settings import Settings
from responder.acknowledgement import Responder
from responder.kafka_batch import ItemIdentifier, ack_records
from responder.worker import build_responder

logger = Logger(service="responder")

SEND_RESERVE_MS = 20_000
"""Time one acknowledgement may need while the mail server is down (the transport's retries, ~16 s).
A record started later could be cut off by the function timeout in the middle of its send, which
leaves its outcome unknown and the message unanswered for good; it is handed back instead (the first
record of a batch is always tried, so a short timeout still makes progress)."""

SETTLE_RESERVE_MS = 3_000
"""Kept back from every send's deadline: recording the outcome and flushing the batch's events."""

_responder: Responder | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _responder  # noqa: PLW0603 - one responder (and SMTP connection) per warm worker
    if _responder is None:
        settings = Settings.load()
        _responder = build_responder(settings, config=config_source(settings).current)
    remaining_ms = getattr(context, "get_remaining_time_in_millis", _no_deadline)
    return handle(event, _responder, remaining_ms=remaining_ms)


def _no_deadline() -> int:
    """Called without a Lambda context (a test, a script): no time limit."""
    return sys.maxsize


def send_deadline(remaining_ms: int) -> float | None:
    """The ``time.monotonic()`` instant a send must end by so the invocation can still settle it."""
    if remaining_ms >= sys.maxsize:
        return None
    return time.monotonic() + (remaining_ms - SETTLE_RESERVE_MS) / 1000


def handle(event: dict[str, Any], responder: Responder,
           remaining_ms: Callable[[], int] = _no_deadline) -> dict[str, Any]:
    failed: list[ItemIdentifier] = []
    records = ack_records(event)
    responder.look_up(record.request for record in records if record.request is not None)
    for number, record in enumerate(records):
        if number and remaining_ms() < SEND_RESERVE_MS:
            failed.append(record.item)  # untouched: the next delivery sends it
            continue
        if record.request is None:
            logger.error("unreadable mail.ack record", item=record.item, error=record.error)
            failed.append(record.item)
            continue
        try:
            outcome = responder.acknowledge(record.request, deadline=send_deadline(remaining_ms()))
        except Exception:
            logger.exception("acknowledgement failed", tracking_id=record.request.id, item=record.item)
            failed.append(record.item)
            continue
        logger.info("acknowledgement", tracking_id=record.request.id, outcome=str(outcome))
        if outcome.needs_redelivery:
            failed.append(record.item)
    responder.flush()
    return batch_response(failed)
