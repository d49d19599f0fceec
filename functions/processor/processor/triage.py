"""One batch of ``mail.received`` records: decode, classify in one call, route, request the ack.

Plain domain logic: no Lambda context, no event shapes. Outcomes are deterministic for a given
model and configuration, so a redelivered record is routed exactly as before (the responder
deduplicates acknowledgements on the tracking id).

Spam and ``other`` (real mail that is not reader mail) are routed to their topics and never
acknowledged; ``other`` ends with a ``suppressed`` event (reason ``not_reader_mail``).

A record that is not a valid ``planetmail.email/v1`` can never succeed: retrying it would block its
partition forever, so it goes to ``mail.dlq`` with the reason and counts as handled. Any other
failure (Kafka, the status table) is transient and reported for retry.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

from aws_lambda_powertools import Logger

from planetmail import codec, topics
from planetmail.ack import AckRequest
from planetmail.classification import OTHER, UNACKNOWLEDGED, Classification, ClassifiedEmail
from planetmail.inbound import InboundEmail, utcnow
from planetmail.kafka_event import KafkaMessage
from planetmail.lifecycle import LifecycleEvent
from planetmail.pipeline_config import PipelineConfig
from processor.classifier import Classifier, Decision
from processor.explain import explain
from processor.mail import Mail, from_inbound
from processor.outputs import Outputs

logger = Logger(service="processor")


@dataclasses.dataclass(frozen=True)
class BatchOutcome:
    failed: list[KafkaMessage]
    """Messages to retry: reported as batch item failures."""
    dead_lettered: list[KafkaMessage]
    classified: list[Classification]


def process_batch(messages: Sequence[KafkaMessage], classifier: Classifier, config: PipelineConfig,
                  outputs: Outputs) -> BatchOutcome:
    emails: list[tuple[KafkaMessage, InboundEmail]] = []
    dead: list[KafkaMessage] = []
    for message in messages:
        try:
            emails.append((message, codec.decode_as(InboundEmail, message.value)))
        except codec.RecordError as exc:
            dead.append(message)
            _dead_letter(message, str(exc), outputs)
    failed: list[KafkaMessage] = []
    mails = [from_inbound(email) for _, email in emails]
    decisions = explained(classifier, mails, classifier.decide(mails, config)) if emails else []
    for (message, email), decision in zip(emails, decisions, strict=True):
        try:
            _route(message, email, decision, config, outputs)
        except Exception:  # one record's failure must not fail the batch
            logger.exception("routing failed", extra={"id": email.id, "offset": message.offset})
            failed.append(message)
    unsent = outputs.flush()
    failed += [m for m in messages if m in unsent and m not in failed]
    return BatchOutcome(failed=sorted(failed, key=_position), dead_lettered=dead,
                        classified=[d.classification for d in decisions])


def explained(classifier: Classifier, mails: Sequence[Mail], decisions: list[Decision]) -> list[Decision]:
    """The decisions with their top signals on the classification (``processor.explain``).

    An explanation is a courtesy to staff: when the model cannot give one (a model whose features
    this code does not know), the decisions go out without it rather than not at all.
    """
    try:
        explanations = explain(classifier.model, mails, [d.classification.category for d in decisions])
    except Exception:
        logger.exception("no top signals for this batch", extra={"model_version": classifier.version})
        return decisions
    return [dataclasses.replace(d, classification=d.classification.model_copy(
        update={"explanation": explanation})) for d, explanation in zip(decisions, explanations, strict=True)]


def _route(message: KafkaMessage, email: InboundEmail, decision: Decision,
           config: PipelineConfig, outputs: Outputs) -> None:
    classification = decision.classification
    category = classification.category
    topic = config.routing.get(category, topics.classified(category))
    routed = ClassifiedEmail(id=email.id, email=email, classification=classification)
    outputs.classified(message, routed, topic)
    detail = {"category": category, "language": classification.language,
              "priority": classification.priority, "confidence": classification.confidence,
              "model_version": classification.model_version, "topic": topic,
              "detected_language": decision.detected_language, "reasons": list(decision.reasons)}
    explanation = classification.explanation
    outputs.lifecycle(message, LifecycleEvent(
        id=email.id, stage="processor", state="classified", received_at=email.received_at,
        detail=detail if explanation is None else {**detail, "explanation": explanation.model_dump()}))
    if category == OTHER:
        outputs.lifecycle(message, LifecycleEvent(id=email.id, stage="processor", state="suppressed",
                                                  received_at=email.received_at,
                                                  detail={**detail, "reason": "not_reader_mail"}))
    if category in UNACKNOWLEDGED:
        return
    outputs.ack(message, AckRequest(id=email.id, email=email, classification=classification,
                                    requested_at=utcnow()))
    outputs.lifecycle(message, LifecycleEvent(id=email.id, stage="processor", state="ack_requested",
                                              received_at=email.received_at, detail=detail))


def _dead_letter(message: KafkaMessage, error: str, outputs: Outputs) -> None:
    logger.warning("dead-lettering an invalid record", extra={"error": error, "offset": message.offset})
    outputs.dead_letter(message, error)
    tracking_id = _tracking_id(message.value)
    if tracking_id:
        event = LifecycleEvent(id=tracking_id, stage="processor", state="failed", error=error,
                               detail={"reason": "invalid_record"})
        try:
            outputs.lifecycle(message, event)
        except Exception:  # the dead letter is what matters; the status row is a courtesy
            logger.exception("could not record the failure", extra={"id": tracking_id})


def _tracking_id(value: bytes) -> str | None:
    """The ``id`` of an invalid record when it has one, so its status timeline shows the failure."""
    try:
        document = json.loads(value)
    except ValueError:
        return None
    found = document.get("id") if isinstance(document, dict) else None
    return found if isinstance(found, str) and found else None


def _position(message: KafkaMessage) -> tuple[str, int, int]:
    return message.topic, message.partition, message.offset
