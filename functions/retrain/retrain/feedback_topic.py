"""Staff corrections as training data: ``mail.feedback`` read back into ``(text, label)`` pairs.

    from retrain.feedback_topic import feedback_pairs
    pairs = feedback_pairs(Settings.load())        # [(text, label), ...], oldest decision first

Rules: one pair per message, the newest decision wins (by the decision's time, then its offset);
only labels the classifier learns count (``human_review`` is a queue, not a class, so a message last
sent back there is left out); two messages with the same text keep the label of the newer decision.
The text is subject and body joined by a newline, as the processor's ``message_text`` reads them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from datetime import datetime

from kafka import TopicPartition

from planetmail import codec, topics
from planetmail.classification import CATEGORIES
from planetmail.feedback import FeedbackRecord
from planetmail.kafka import make_consumer
from planetmail.settings import Settings

POLL_MS = 1000


class FeedbackUnavailable(LookupError):
    """The topic cannot be read; the message names the cause and the fix."""


@dataclasses.dataclass(frozen=True)
class Decision:
    """One staff decision as the training data sees it."""

    id: str
    label: str
    text: str
    at: datetime
    position: tuple[int, int]
    """(partition, offset): the tie-break between two decisions made in the same microsecond."""


def feedback_pairs(settings: Settings) -> list[tuple[str, str]]:
    """Every message staff decided on, as ``(text, label)``; see the module docstring for the rules."""
    return latest_labels(read_decisions(settings))


def latest_labels(decisions: Iterable[Decision]) -> list[tuple[str, str]]:
    newest_by_id: dict[str, Decision] = {}
    for decision in sorted(decisions, key=lambda d: (d.at, d.position)):
        newest_by_id[decision.id] = decision
    newest_by_text: dict[str, Decision] = {}
    for decision in sorted(newest_by_id.values(), key=lambda d: (d.at, d.position)):
        if decision.label in CATEGORIES and decision.text.strip():
            newest_by_text.pop(decision.text, None)  # re-inserted last: the order stays oldest first
            newest_by_text[decision.text] = decision
    return [(decision.text, decision.label) for decision in newest_by_text.values()]


def read_decisions(settings: Settings) -> list[Decision]:
    """Every record of ``mail.feedback`` from its beginning to its current end (records that are not
    feedback are skipped: the topic is the training set's source and must not stop it)."""
    return list(_decisions(settings))


def _decisions(settings: Settings) -> Iterator[Decision]:
    topic = settings.topic(topics.FEEDBACK)
    consumer = make_consumer(settings, group_id=None)
    try:
        partitions = consumer.partitions_for_topic(topic)
        if partitions is None:
            raise FeedbackUnavailable(f"topic {topic} does not exist; create the topics with 'planetmail up'")
        assigned = [TopicPartition(topic, partition) for partition in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = consumer.end_offsets(assigned)
        while any(consumer.position(tp) < ends[tp] for tp in assigned):
            batches = consumer.poll(timeout_ms=POLL_MS)
            if not batches:
                break
            for partition, records in batches.items():
                yield from (d for r in records if (d := _decision(partition.partition, r.offset, r.value)))
    finally:
        consumer.close()


def _decision(partition: int, offset: int, value: bytes) -> Decision | None:
    try:
        record = codec.decode_as(FeedbackRecord, value)
    except codec.RecordError:
        return None
    text = f"{record.subject}\n{record.text}".strip()
    return Decision(record.id, record.new_label, text, record.at, (partition, offset))
