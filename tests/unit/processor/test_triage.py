import json

import pytest
from processor_fakes import FakeProducer, FakeReporter

from planetmail import codec, topics
from planetmail.dead_letters import DeadLetter
from planetmail.inbound import InboundEmail
from planetmail.kafka_event import KafkaMessage
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from processor.outputs import Outputs
from processor.triage import process_batch

SETTINGS = Settings.load(environ={})


def _email(tracking_id, subject, body):
    return InboundEmail(
        id=tracking_id,
        received_at="2026-11-26T10:00:00Z",
        source="api",
        subject=subject,
        text=body,
        **{"from": {"address": "reader@example.com"}},
    )


def _message(offset, value, partition=0):
    raw = value if isinstance(value, bytes) else codec.encode(value)
    return KafkaMessage(
        topic="mail.received", partition=partition, offset=offset, key=b"reader@example.com", value=raw
    )


CANCEL = _email("01CANCEL", "Cancel", "Please cancel my subscription from next month")
SPAM = _email("01SPAM", "Winner", "You have won a million dollars click here to claim")


def _run(classifier, messages, producer=None, reporter_fails=(), config=None):
    producer = producer or FakeProducer()
    reporter = FakeReporter(producer, reporter_fails)
    outcome = process_batch(
        messages, classifier, config or PipelineConfig(), Outputs(SETTINGS, producer, reporter)
    )
    return outcome, producer, reporter


def test_a_message_is_routed_acknowledged_and_reported(classifier):
    outcome, producer, reporter = _run(classifier, [_message(1, CANCEL)])
    assert outcome.failed == []
    assert producer.topics() == [topics.classified("subscriptions"), "mail.events", topics.ACK, "mail.events"]
    (classified,) = producer.values(topics.classified("subscriptions"))
    assert classified.id == "01CANCEL"
    assert classified.email == CANCEL
    (ack,) = producer.values(topics.ACK)
    assert ack.classification == classified.classification
    assert [e.state for e in reporter.events] == ["classified", "ack_requested"]
    assert reporter.events[0].detail["category"] == "subscriptions"
    assert producer.flushes == 1


def test_spam_is_routed_never_acknowledged_and_ends_suppressed(classifier):
    _, producer, reporter = _run(classifier, [_message(1, SPAM)])
    assert producer.topics() == [topics.classified("spam"), "mail.events", "mail.events"]
    assert [e.state for e in reporter.events] == ["classified", "suppressed"]
    assert reporter.events[1].detail["reason"] == "spam"
    assert reporter.events[1].received_at == SPAM.received_at


def test_routing_comes_from_the_configuration(classifier):
    config = PipelineConfig(routing={**PipelineConfig().routing, "subscriptions": "mail.classified.crm"})
    _, producer, _ = _run(classifier, [_message(1, CANCEL)], config=config)
    assert producer.topics()[0] == "mail.classified.crm"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"\x00\xff binary", "not valid JSON"),
        (b'{"schema": "planetmail.email/v1"}', "not a valid InboundEmail"),
        (json.dumps({"schema": "planetmail.ack/v1", "id": "01X"}).encode(), "not a valid InboundEmail"),
        (b"", "not valid JSON"),
    ],
)
def test_an_invalid_record_is_dead_lettered_and_not_retried(classifier, value, reason):
    message = _message(4, value, partition=2)
    outcome, producer, _ = _run(classifier, [message, _message(5, CANCEL, partition=2)])
    assert outcome.failed == []
    assert outcome.dead_lettered == [message]
    (dead,) = [s for s in producer.sent if s["topic"] == topics.DLQ]
    letter = DeadLetter.from_record(0, dead["key"], dead["value"], dead["headers"])
    assert letter.value == value
    assert reason in letter.error
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == ("mail.received", 2, 4)
    assert letter.attempts == 1
    assert topics.classified("subscriptions") in producer.topics()


def test_an_invalid_record_with_an_id_shows_the_failure_in_its_timeline(classifier):
    _, _, reporter = _run(classifier, [_message(1, json.dumps({"id": "01BROKEN", "from": 3}).encode())])
    (event,) = reporter.events
    assert (event.id, event.state, event.detail["reason"]) == ("01BROKEN", "failed", "invalid_record")
    assert "InboundEmail" in event.error


def test_one_failing_record_does_not_fail_the_others(classifier):
    messages = [_message(1, CANCEL), _message(2, SPAM)]
    outcome, _, _ = _run(classifier, messages, reporter_fails={"01SPAM"})
    assert outcome.failed == [messages[1]]


def test_a_send_kafka_did_not_acknowledge_is_retried(classifier):
    messages = [_message(1, CANCEL), _message(2, SPAM)]
    producer = FakeProducer(failing_topics={topics.ACK})
    outcome, _, _ = _run(classifier, messages, producer=producer)
    assert outcome.failed == [messages[0]]


def test_when_kafka_is_unreachable_every_record_is_retried(classifier):
    messages = [_message(2, SPAM), _message(1, CANCEL), _message(3, b"junk")]
    outcome, _, _ = _run(classifier, messages, producer=FakeProducer(flush_error=True))
    assert [m.offset for m in outcome.failed] == [1, 2, 3]


def test_reprocessing_a_record_gives_the_same_outcome(classifier):
    first, producer_1, _ = _run(classifier, [_message(1, CANCEL), _message(2, SPAM)])
    second, producer_2, _ = _run(classifier, [_message(1, CANCEL), _message(2, SPAM)])
    assert producer_1.topics() == producer_2.topics()
    fields = ("category", "confidence", "language", "priority", "model_version")
    assert [[getattr(c, f) for f in fields] for c in first.classified] == [
        [getattr(c, f) for f in fields] for c in second.classified
    ]


def test_an_empty_batch_sends_nothing(classifier):
    outcome, producer, _ = _run(classifier, [])
    assert (outcome.failed, producer.sent) == ([], [])


def test_other_mail_is_routed_to_its_topic_suppressed_and_never_acknowledged(classifier):
    digest = InboundEmail(id="01DIGEST", received_at="2026-11-26T10:00:00Z", source="api",
                          subject="Weekly digest", text="12 new posts in the gardening forum this week",
                          headers={"list-id": "<gardening.example.org>", "precedence": "list"},
                          **{"from": {"address": "forum@example.org"}})
    outcome, producer, reporter = _run(classifier, [_message(1, digest)])
    assert outcome.failed == []
    assert producer.topics() == [topics.classified("other"), "mail.events", "mail.events"]
    assert producer.values(topics.ACK) == []
    assert [(e.state, e.detail.get("reason")) for e in reporter.events] == [
        ("classified", None), ("suppressed", "not_reader_mail")]
    assert reporter.events[0].detail["detected_language"] == "en"
    assert "bulk-mail headers" in reporter.events[0].detail["reasons"][0]


def test_the_classified_record_and_event_carry_the_top_signals(classifier):
    _, producer, reporter = _run(classifier, [_message(1, CANCEL)])
    (classified,) = producer.values(topics.classified("subscriptions"))
    explanation = classified.classification.explanation
    assert explanation is not None and explanation.towards == "subscriptions" and explanation.signals
    verdict, requested = reporter.events
    assert verdict.detail["explanation"] == explanation.model_dump()
    assert "explanation" not in requested.detail  # once per message, on the verdict
