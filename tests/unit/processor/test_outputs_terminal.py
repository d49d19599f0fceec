"""Every classified message the processor does not hand to the responder ends ``suppressed`` here."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from processor_fakes import FakeProducer, FakeReporter

from planetmail.ack import AckRequest
from planetmail.classification import Classification, ClassifiedEmail
from planetmail.inbound import InboundEmail, ProviderVerdicts
from planetmail.kafka_event import KafkaMessage
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import Settings
from processor.outputs import Outputs

SETTINGS = Settings.load(environ={})
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
SOURCE = KafkaMessage(topic="mail.received", partition=0, offset=1, key=b"k", value=b"{}")


def _record(category: str, headers: dict[str, str] | None = None) -> ClassifiedEmail:
    email = InboundEmail.model_validate({"id": "01T", "received_at": NOW, "source": "mailgun",
                                         "from": {"address": "a@example.com"}, "headers": headers or {}})
    classification = Classification(category=category, confidence=0.9, language="en", classified_at=NOW)
    return ClassifiedEmail(id="01T", email=email, classification=classification)


def _flush(record: ClassifiedEmail, *, ack: bool = False) -> list[LifecycleEvent]:
    producer = FakeProducer()
    reporter = FakeReporter(producer)
    outputs = Outputs(SETTINGS, producer, reporter)
    outputs.classified(SOURCE, record, "mail.classified.x")
    if ack:
        outputs.ack(SOURCE, AckRequest(id=record.id, email=record.email,
                                       classification=record.classification, requested_at=NOW))
    assert outputs.flush() == set()
    return reporter.events


@pytest.mark.parametrize(("category", "headers", "reason"), [
    ("spam", {}, "spam"),
    ("questions", {"x-mailgun-sflag": "Yes"}, "provider_spam"),
    ("spam", {"x-spam-status": "Yes, score=1000.0 required=5.0 tests=GTUBE"}, "provider_spam"),
    ("other", {}, "not_reader_mail"),
])
def test_a_message_without_an_ack_request_ends_suppressed_with_its_reason(category, headers, reason):
    (event,) = _flush(_record(category, headers))
    assert (event.state, event.stage, event.detail["reason"]) == ("suppressed", "processor", reason)
    assert event.terminal and event.received_at == NOW


def test_a_message_handed_to_the_responder_is_not_settled_here():
    assert _flush(_record("questions"), ack=True) == []


def test_provider_verdicts_on_the_record_flag_spam_without_any_header():
    record = _record("questions")
    verdicts = ProviderVerdicts(spam="fail", score=9.9, virus="pass", provider="sendgrid")
    email = record.email.model_copy(update={"provider_verdicts": verdicts})
    (event,) = _flush(record.model_copy(update={"email": email}))
    assert event.detail["reason"] == "provider_spam"
