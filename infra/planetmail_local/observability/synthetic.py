"""Plausible lifecycle events for one message, for tests and for trying the dashboard without handlers.

The event ``detail`` keys are the ones handlers are asked to fill (``planetmail.metrics.DIMENSIONS``).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal

from kafka import KafkaProducer

from planetmail import codec, topics
from planetmail.classification import CATEGORIES
from planetmail.inbound import new_tracking_id
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import Settings

Outcome = Literal["acknowledged", "suppressed", "failed", "open"]
PROVIDERS = ("sendgrid", "mailgun", "postmark", "ses", "imap", "api")


def message_events(received_at: datetime, *, latency: timedelta, outcome: Outcome = "acknowledged",
                   provider: str = "sendgrid", category: str = "questions", language: str = "en",
                   priority: str = "normal", reason: str = "", tracking_id: str | None = None,
                   ) -> list[LifecycleEvent]:
    """The events of one message whose last step happens ``latency`` after it was received."""
    tracking_id = tracking_id or new_tracking_id(received_at.timestamp())
    mix = {"category": category, "language": language, "priority": priority}
    events = [_event(tracking_id, "collector", "received", received_at, received_at, {"provider": provider})]
    if outcome == "open":
        return events
    classified_at = received_at + latency * 0.4
    if outcome == "failed":
        return [*events, _event(tracking_id, "processor", "failed", classified_at, received_at,
                                {"reason": reason or "model_unavailable"}, error="classifier failed")]
    events.append(_event(tracking_id, "processor", "classified", classified_at, received_at, mix))
    if outcome == "suppressed":
        return [*events, _event(tracking_id, "responder", "suppressed", received_at + latency, received_at,
                                {**mix, "reason": reason or "spam"})]
    events.append(_event(tracking_id, "processor", "ack_requested", classified_at, received_at, mix))
    acknowledged_at = received_at + latency
    return [*events, _event(tracking_id, "responder", "acknowledged", acknowledged_at, received_at, mix)]


def random_message(rng: random.Random, received_at: datetime) -> list[LifecycleEvent]:
    """One message with a random provider, mix, outcome and a latency of a fraction of a second to seconds."""
    category = rng.choice(CATEGORIES)
    outcomes: list[Outcome] = ["acknowledged", "failed"]
    outcome: Outcome = "suppressed" if category == "spam" else rng.choices(outcomes, weights=[19, 1])[0]
    return message_events(
        received_at, latency=timedelta(seconds=rng.lognormvariate(0, 0.8)), outcome=outcome,
        provider=rng.choice(PROVIDERS), category=category, language=rng.choice(["en", "en", "es"]),
        priority=rng.choices(["normal", "high"], weights=[5, 1])[0],
    )


def publish(settings: Settings, producer: KafkaProducer, events: Iterable[LifecycleEvent]) -> int:
    """Send to ``mail.events`` (keyed by tracking id, like LifecycleReporter) and wait for the acks."""
    topic = settings.topic(topics.EVENTS)
    sent = [producer.send(topic, key=e.id.encode(), value=codec.encode(e)) for e in events]
    producer.flush()
    return len(sent)


def _event(tracking_id: str, stage: str, state: str, at: datetime, received_at: datetime,
           detail: dict[str, str], error: str | None = None) -> LifecycleEvent:
    return LifecycleEvent.model_validate({"id": tracking_id, "stage": stage, "state": state, "at": at,
                                          "received_at": received_at, "detail": detail, "error": error})
