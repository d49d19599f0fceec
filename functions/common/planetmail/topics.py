"""The Kafka contract of DESIGN.md: topic names, keys and local partition counts."""

from __future__ import annotations

import dataclasses

from planetmail.classification import CATEGORIES, HUMAN_REVIEW, OTHER

RECEIVED = "mail.received"
ACK = "mail.ack"
EVENTS = "mail.events"
DLQ = "mail.dlq"
FEEDBACK = "mail.feedback"
CLASSIFIED_PREFIX = "mail.classified."


def classified(category: str) -> str:
    return f"{CLASSIFIED_PREFIX}{category}"


@dataclasses.dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int


def contract_topics() -> list[TopicSpec]:
    """Every topic the pipeline needs, with its local default partition count."""
    topics = [
        TopicSpec(RECEIVED, 6),
        TopicSpec(ACK, 6),
        TopicSpec(EVENTS, 3),
        TopicSpec(DLQ, 1),
        TopicSpec(FEEDBACK, 1),
    ]
    topics += [TopicSpec(classified(c), 3) for c in (*CATEGORIES, OTHER, HUMAN_REVIEW)]
    return topics
