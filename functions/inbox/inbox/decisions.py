"""Staff decisions: reassign, handled, spam / not spam, reopen, notes.

A decision is taken in three steps, so that nothing is half-done:
1. the staff-state row changes, on condition that it still is what the staff member saw;
2. on Kafka, acknowledged by the broker: the ``mail.feedback`` record, for a reassignment the message
   on its new category's topic, and the lifecycle events (``mail.events`` + the status timeline);
3. when Kafka did not take them, the row is put back and the caller answers 503.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from kafka import KafkaProducer
from kafka.errors import KafkaError

from inbox.store import InboxStore, email_of
from inbox.table import sortable_time
from planetmail import codec, topics
from planetmail.classification import CATEGORIES, HUMAN_REVIEW, Classification, ClassifiedEmail
from planetmail.feedback import FEEDBACK_TEXT_LIMIT, Decision, FeedbackRecord
from planetmail.inbound import InboundEmail, utcnow
from planetmail.lifecycle import LifecycleEvent, State
from planetmail.settings import Settings
from planetmail.status import StatusStore

KAFKA_TIMEOUT_SECONDS: Final = 15.0
LABELS: Final = (*CATEGORIES, HUMAN_REVIEW)


class UnknownMessage(LookupError):
    """No listed message has this tracking id."""


class InvalidDecision(ValueError):
    """The decision makes no sense for this message (an unknown category, a note without text)."""


class NotRecorded(RuntimeError):
    """Kafka did not acknowledge the decision's records; the row was put back."""


@dataclasses.dataclass(frozen=True)
class Outgoing:
    """One Kafka record of a decision; a lifecycle event also gets its status row once Kafka took it."""

    topic: str
    key: bytes
    value: bytes
    event: LifecycleEvent | None = None


@dataclasses.dataclass(frozen=True)
class Change:
    decision: Decision
    category: str
    state: str


class Decisions:
    def __init__(self, settings: Settings, store: InboxStore, producer: KafkaProducer,
                 status: StatusStore, clock: Callable[[], datetime] = utcnow) -> None:
        self._settings = settings
        self._store = store
        self._producer = producer
        self._status = status
        self._clock = clock

    def relabel(self, tracking_id: str, category: str, who: str) -> dict[str, Any]:
        _require_label(category)
        return self._apply(tracking_id, who, lambda item: Change("relabel", category, item["state"]["S"]))

    def handled(self, tracking_id: str, who: str) -> dict[str, Any]:
        return self._apply(tracking_id, who, lambda item: Change("handled", item["category"]["S"], "handled"))

    def reopen(self, tracking_id: str, who: str) -> dict[str, Any]:
        return self._apply(tracking_id, who, lambda item: Change("reopen", item["category"]["S"], "open"))

    def spam(self, tracking_id: str, who: str) -> dict[str, Any]:
        return self._apply(tracking_id, who, lambda item: Change("spam", "spam", "handled"))

    def not_spam(self, tracking_id: str, who: str, category: str = HUMAN_REVIEW) -> dict[str, Any]:
        """Out of spam, into ``category`` (human review by default: staff then pick the category)."""
        _require_label(category)
        if category == "spam":
            raise InvalidDecision("'not spam' needs a category other than spam")
        return self._apply(tracking_id, who, lambda item: Change("not_spam", category, "open"))

    def note(self, tracking_id: str, text: str, who: str) -> dict[str, Any]:
        if not text.strip():
            raise InvalidDecision("a note needs some text")
        item = self._listed(tracking_id)
        at = self._clock()
        self._store.add_note(tracking_id, {"by": who, "at": sortable_time(at), "text": text.strip()})
        self._publish([self._event(item, "noted", who, {"length": len(text.strip())})])
        return {"id": tracking_id, "noted": True}

    def _apply(self, tracking_id: str, who: str,
               decide: Callable[[dict[str, Any]], Change]) -> dict[str, Any]:
        item = self._listed(tracking_id)
        change = decide(item)
        if (change.category, change.state) == (item["category"]["S"], item["state"]["S"]):
            raise InvalidDecision(f"message {tracking_id} already is {change.category} and {change.state}")
        at = self._clock()
        extra = _staff_attributes(change, who, at)
        updated = self._store.move(item, change.category, change.state, extra)
        try:
            self._publish(self._records(item, change, who, at))
        except NotRecorded:
            self._store.move(updated, item["category"]["S"], item["state"]["S"], {})
            raise
        return updated

    def _records(self, item: dict[str, Any], change: Change, who: str,
                 at: datetime) -> list[Outgoing]:
        email = email_of(item)
        old_category = item["category"]["S"]
        feedback = FeedbackRecord(
            id=email.id, decision=change.decision, old_label=old_category, new_label=change.category,
            model_label=item.get("model_category", {}).get("S", ""), by=who, at=at,
            language=item.get("language", {}).get("S", ""), subject=email.subject,
            text=email.text[:FEEDBACK_TEXT_LIMIT])
        records = [Outgoing(self._settings.topic(topics.FEEDBACK), email.id.encode(), codec.encode(feedback))]
        detail = {"decision": change.decision, "old_label": old_category, "new_label": change.category}
        if change.category != old_category:
            moved = self._moved(email, item, change.category, at)
            records.append(Outgoing(self._settings.topic(topics.classified(change.category)),
                                    email.id.encode(), codec.encode(moved)))
            records.append(self._event(item, "reassigned", who,
                                       {**detail, "topic": topics.classified(change.category)}))
        if change.state != item["state"]["S"]:
            state: State = "handled" if change.state == "handled" else "reopened"
            records.append(self._event(item, state, who, detail))
        return records

    def _moved(self, email: InboundEmail, item: dict[str, Any], category: str,
               at: datetime) -> ClassifiedEmail:
        language = item.get("language", {}).get("S", "en")
        classification = Classification(
            category=category, confidence=1.0, language=language if language in ("en", "es") else "en",
            priority=item.get("priority", {}).get("S", "normal"), model_version="staff", classified_at=at)
        return ClassifiedEmail(id=email.id, email=email, classification=classification)

    def _event(self, item: dict[str, Any], state: State, who: str,
               detail: dict[str, Any]) -> Outgoing:
        """The audit event: on ``mail.events`` and, once Kafka took it, in the message's timeline."""
        event = LifecycleEvent(id=item["id"]["S"], stage="inbox", state=state, at=self._clock(),
                               received_at=item["received_at"]["S"], detail={**detail, "by": who})
        return Outgoing(self._settings.topic(topics.EVENTS), event.id.encode(), codec.encode(event), event)

    def _publish(self, records: list[Outgoing]) -> None:
        try:
            futures = [self._producer.send(record.topic, key=record.key, value=record.value)
                       for record in records]
            self._producer.flush(timeout=KAFKA_TIMEOUT_SECONDS)
            for future in futures:
                future.get(timeout=KAFKA_TIMEOUT_SECONDS)
        except KafkaError as exc:
            raise NotRecorded(f"Kafka did not take the decision ({type(exc).__name__}); retry") from None
        self._status.record_all(record.event for record in records if record.event is not None)

    def _listed(self, tracking_id: str) -> dict[str, Any]:
        item = self._store.get(tracking_id)
        if item is None:
            raise UnknownMessage(f"no message {tracking_id!r} in the inbox")
        return item


def _require_label(category: str) -> None:
    if category not in LABELS:
        raise InvalidDecision(f"unknown category {category!r}; choose one of {', '.join(LABELS)}")


def _staff_attributes(change: Change, who: str, at: datetime) -> dict[str, Any]:
    moment = {"S": sortable_time(at)}
    if change.state == "handled":
        return {"handled_at": moment, "handled_by": {"S": who}}
    return {"labelled_at": moment, "labelled_by": {"S": who}}
