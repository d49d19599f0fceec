"""Every message's terminal state, read from ``mail.events``: what happened to mail that got no reply.

The SMTP sink shows acknowledgements only; a genuine message without one was suppressed (with a
reason), failed, or is lost. ``TerminalStates`` follows ``mail.events`` from the start of the run
(``offsets_for_times``, no consumer group, nothing committed) and keeps each message's first terminal
event, so the benchmark counts as lost only what reached no terminal state at all.
"""

from __future__ import annotations

import dataclasses
import time

from kafka import KafkaConsumer

from planetmail import codec, topics
from planetmail.kafka import make_consumer
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import Settings
from planetmail_local.observability.feed import replay_since

READ_BUDGET_SECONDS = 2.0
"""One ``read`` polls at most this long, so the caller's progress display keeps moving."""


@dataclasses.dataclass(frozen=True)
class Outcome:
    state: str
    stage: str
    reason: str

    @property
    def label(self) -> str:
        """``state:reason`` (``suppressed:sender_unauthenticated``), how the report groups them."""
        return f"{self.state}:{self.reason}" if self.reason else self.state


def outcome_of(event: LifecycleEvent) -> Outcome | None:
    if not event.terminal:
        return None
    return Outcome(event.state, event.stage, str(event.detail.get("reason", "")))


class TerminalStates:
    def __init__(self, settings: Settings, since: float) -> None:
        self.outcomes: dict[str, Outcome] = {}
        self._consumer: KafkaConsumer = make_consumer(settings, group_id=None)
        topic = settings.topic(topics.EVENTS)
        replay_since(self._consumer, topic, self._consumer.partitions_for_topic(topic) or (), since)

    def read(self) -> dict[str, Outcome]:
        """Take in what arrived since the last read; every message's first terminal outcome."""
        until = time.monotonic() + READ_BUDGET_SECONDS
        while time.monotonic() < until:
            batches = self._consumer.poll(timeout_ms=200, max_records=5000)
            if not batches:
                break
            for records in batches.values():
                for record in records:
                    self._add(record.value)
        return self.outcomes

    def close(self) -> None:
        self._consumer.close(autocommit=False)

    def _add(self, value: bytes) -> None:
        try:
            event = codec.decode_as(LifecycleEvent, value)
        except codec.RecordError:
            return
        outcome = outcome_of(event)
        if outcome is not None:
            self.outcomes.setdefault(event.id, outcome)
