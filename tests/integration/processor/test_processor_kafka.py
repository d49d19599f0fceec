"""The processor handler against the real broker and AWS endpoint: records in, routed records out."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest

from planetmail import aws, codec, topics
from planetmail.dead_letters import DeadLetter
from planetmail.inbound import InboundEmail, new_tracking_id, utcnow
from planetmail.kafka import make_consumer, make_producer
from planetmail.settings import Settings
from planetmail.status import STATUS_TABLE_KEYS, StatusStore
from planetmail_local.emulator.kafka.event import kafka_event
from planetmail_local.emulator.model import KafkaMapping
from processor import handler as processor_handler
from processor.artifact import LoadedModel
from processor.runtime import Runtime
from retrain.training import Sources, train

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TINY_CORPUS = Path(__file__).parents[2] / "unit" / "training" / "data"


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    return train(Sources(corpus=TINY_CORPUS), tmp_path_factory.mktemp("models"), folds=0)


@pytest.fixture
def settings(isolated_settings: Settings, model: LoadedModel):
    table = f"processor-status-{uuid.uuid4().hex[:8]}"
    dynamodb = aws.client("dynamodb", isolated_settings)
    dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST", **STATUS_TABLE_KEYS)
    yield dataclasses.replace(isolated_settings, status_table=table, model_path=str(model.path))
    dynamodb.delete_table(TableName=table)


@pytest.fixture
def worker(settings: Settings):
    runtime = Runtime(settings)
    processor_handler.use_runtime(runtime)
    yield runtime
    processor_handler.use_runtime(None)
    runtime.close()


def _email(subject: str, body: str, **fields) -> InboundEmail:
    return InboundEmail(
        id=new_tracking_id(),
        received_at=utcnow(),
        source="api",
        subject=subject,
        text=body,
        **{"from": {"address": "Reader@Example.com"}},
        **fields,
    )


def _produce(settings: Settings, values: list[tuple[bytes, bytes]]) -> dict:
    """Write to the isolated mail.received, read the records back, and build the ESM's event from them."""
    producer = make_producer(settings)
    try:
        for key, value in values:
            producer.send(settings.topic(topics.RECEIVED), key=key, value=value).get(10)
    finally:
        producer.close()
    received = _read(settings, [topics.RECEIVED], expected=len(values))[topics.RECEIVED]
    mapping = KafkaMapping(
        name="ProcessorFunction:test",
        function="ProcessorFunction",
        topics=(settings.topic(topics.RECEIVED),),
        source="SelfManagedKafka",
        bootstrap_servers=settings.kafka_bootstrap,
        consumer_group="processor-test",
    )
    return kafka_event(mapping, received)


def _read(settings: Settings, names: list[str], expected: int, timeout: float = 20.0) -> dict[str, list]:
    """Records of the given contract topics, by contract name, once ``expected`` have arrived."""
    physical = {settings.topic(name): name for name in names}
    consumer = make_consumer(settings, *physical, group_id=None, consumer_timeout_ms=1000)
    found: dict[str, list] = defaultdict(list)
    deadline = time.monotonic() + timeout
    try:
        while sum(map(len, found.values())) < expected and time.monotonic() < deadline:
            for record in consumer:
                found[physical[record.topic]].append(record)
    finally:
        consumer.close()
    return found


def test_a_batch_is_routed_acknowledged_reported_and_dead_lettered(settings, worker):
    cancel = _email("Cancel", "Please cancel my subscription from next month")
    spam = _email("Winner", "You have won a million dollars click here to claim")
    event = _produce(
        settings,
        [
            (b"reader@example.com", codec.encode(cancel)),
            (b"reader@example.com", codec.encode(spam)),
            (b"reader@example.com", b'{"schema": "planetmail.email/v1", "id": "01BAD"}'),
        ],
    )

    assert processor_handler.handler(event, None) == {"batchItemFailures": []}

    names = [
        topics.classified("subscriptions"),
        topics.classified("spam"),
        topics.ACK,
        topics.EVENTS,
        topics.DLQ,
    ]
    found = _read(settings, names, expected=2 + 1 + 4 + 2)
    routed = codec.decode(found[topics.classified("subscriptions")][0].value)
    assert (routed.id, routed.classification.category) == (cancel.id, "subscriptions")
    assert codec.decode(found[topics.classified("spam")][0].value).id == spam.id
    assert [codec.decode(r.value).id for r in found[topics.ACK]] == [cancel.id]
    states = sorted((e.id, e.state) for e in map(codec.decode, (r.value for r in found[topics.EVENTS])))
    assert states == sorted(
        [
            ("01BAD", "failed"),
            (cancel.id, "classified"),
            (cancel.id, "ack_requested"),
            (spam.id, "classified"),
            (spam.id, "suppressed"),
        ]
    )
    (dead,) = found[topics.DLQ]
    letter = DeadLetter.from_record(dead.offset, dead.key, dead.value, dead.headers)
    assert letter.source_topic == settings.topic(topics.RECEIVED)
    assert "InboundEmail" in letter.error
    assert letter.attempts == 1
    timeline = StatusStore(settings).timeline(cancel.id)
    assert [step["state"] for step in timeline] == ["classified", "ack_requested"]


def test_redelivering_a_batch_routes_every_record_the_same_way(settings, worker):
    emails = [
        _email("Late", "My paper was not delivered again this morning"),
        _email("Precio", "Cuánto cuesta la suscripción de fin de semana"),
    ]
    event = _produce(settings, [(b"reader@example.com", codec.encode(e)) for e in emails])

    assert processor_handler.handler(event, None) == {"batchItemFailures": []}
    assert processor_handler.handler(event, None) == {"batchItemFailures": []}

    found = _read(settings, [topics.ACK], expected=4)
    decisions = defaultdict(set)
    for record in found[topics.ACK]:
        ack = codec.decode(record.value)
        decisions[ack.id].add(
            (
                ack.classification.category,
                ack.classification.confidence,
                ack.classification.language,
                ack.classification.priority,
            )
        )
    assert sorted(decisions) == sorted(e.id for e in emails)
    assert all(len(outcomes) == 1 for outcomes in decisions.values())


def test_other_mail_and_gtube_are_routed_never_acknowledged_and_end_visibly(settings, worker):
    digest = _email("Weekly digest", "Your weekly digest from the gardening list",
                    headers={"list-id": "<gardening.lists.example.org>", "precedence": "list"})
    gtube = _email("Test", "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X")
    event = _produce(settings, [(b"reader@example.com", codec.encode(m)) for m in (digest, gtube)])

    assert processor_handler.handler(event, None) == {"batchItemFailures": []}

    names = [topics.classified("other"), topics.classified("spam"), topics.EVENTS]
    found = _read(settings, names, expected=2 + 3)
    routed = codec.decode(found[topics.classified("other")][0].value)
    assert (routed.id, routed.classification.category) == (digest.id, "other")
    assert codec.decode(found[topics.classified("spam")][0].value).id == gtube.id
    events = [codec.decode(r.value) for r in found[topics.EVENTS]]
    digest_events = [(e.state, e.detail.get("reason")) for e in events if e.id == digest.id]
    assert digest_events == [("classified", None), ("suppressed", "not_reader_mail")]
    assert "bulk-mail headers" in next(e for e in events if e.id == digest.id).detail["reasons"][0]
    assert next(e.detail["reasons"] for e in events if e.id == gtube.id) == ["GTUBE test string"]
    assert not _read(settings, [topics.ACK], expected=1, timeout=3.0)[topics.ACK]
