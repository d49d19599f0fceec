"""Real SMTP servers (aiosmtpd on loopback), real DynamoDB tables and real mail.ack records.

Helpers shared by the responder's integration tests and its benchmark script; the fixtures that
create (and remove) uniquely named resources are in conftest.py.
"""

from __future__ import annotations

import base64
import contextlib
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from kafka import TopicPartition

from planetmail import aws, codec, topics
from planetmail import settings as env
from planetmail.ack import AckRequest
from planetmail.classification import Classification
from planetmail.inbound import Address, InboundEmail, new_tracking_id
from planetmail.kafka import make_consumer, make_producer
from planetmail.lifecycle import LifecycleEvent
from planetmail.send_ledger import IDEMPOTENCY_TABLE_KEYS, TTL_ATTRIBUTE
from planetmail.settings import Settings
from planetmail.status import STATUS_TABLE_KEYS
from responder.senders.backoff import Backoff


class SinkHandler:
    """Stores every accepted message; refuses the first ``refuse_first`` recipients with ``refusal``."""

    def __init__(self, refuse_first: int = 0, refusal: str = "451 4.3.0 Try again later") -> None:
        self.refuse_first = refuse_first
        self.refusal = refusal
        self.refused = 0
        self.messages: list[EmailMessage] = []
        self.peers: set[Any] = set()

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if self.refused < self.refuse_first:
            self.refused += 1
            return self.refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        self.peers.add(session.peer)
        return "250 2.0.0 Queued"

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


@contextlib.contextmanager
def temporary_tables(settings: Settings) -> Iterator[tuple[str, str]]:
    """Uniquely named (idempotency, status) tables with the production key schemas, deleted afterwards."""
    dynamodb = aws.client("dynamodb", settings)
    suffix = uuid.uuid4().hex[:10]
    names = (f"responder-idem-{suffix}", f"responder-status-{suffix}")
    try:
        for name, keys in zip(names, (IDEMPOTENCY_TABLE_KEYS, STATUS_TABLE_KEYS), strict=True):
            dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **keys)
        dynamodb.update_time_to_live(TableName=names[0], TimeToLiveSpecification={
            "Enabled": True, "AttributeName": TTL_ATTRIBUTE})
        yield names
    finally:
        for name in names:
            with contextlib.suppress(dynamodb.exceptions.ResourceNotFoundException):
                dynamodb.delete_table(TableName=name)


def settings_environment(settings: Settings, smtp_port: int) -> dict[str, str]:
    """The environment a deployed worker would get for these settings (what ``Settings.load`` reads)."""
    assert settings.aws_endpoint_url
    return {
        env.ENV_KAFKA_BOOTSTRAP: settings.kafka_bootstrap,
        env.ENV_TOPIC_PREFIX: settings.topic_prefix,
        env.ENV_AWS_ENDPOINT_URL: settings.aws_endpoint_url,
        env.ENV_IDEMPOTENCY_TABLE: settings.idempotency_table,
        env.ENV_STATUS_TABLE: settings.status_table,
        env.ENV_SMTP_HOST: "127.0.0.1",
        env.ENV_SMTP_PORT: str(smtp_port),
    }


def ack_request(sender: str = "", *, category: str = "complaints", language: str = "en",
                subject: str = "My paper did not arrive", headers: dict[str, str] | None = None,
                received_ago: float = 2.0) -> AckRequest:
    tracking_id = new_tracking_id()
    now = datetime.now(UTC)
    email = InboundEmail.model_validate({
        "id": tracking_id, "received_at": now - timedelta(seconds=received_ago), "source": "api",
        "subject": subject, "message_id": f"<{tracking_id.lower()}@mail.example.com>",
        "from": Address(address=sender or f"reader-{tracking_id.lower()}@example.com", name="Reader"),
        "envelope_from": sender or None, "headers": headers or {},
        "auth": {"spf": "pass", "dkim": "pass", "dmarc": "pass"},
    })
    classification = Classification(category=category, confidence=0.93, language=language,
                                     classified_at=now)
    return AckRequest(id=tracking_id, email=email, classification=classification, requested_at=now)


def publish(settings: Settings, requests: list[AckRequest]) -> None:
    producer = make_producer(settings)
    try:
        for request in requests:
            producer.send(settings.topic(topics.ACK), key=request.id.encode(), value=codec.encode(request))
        producer.flush(timeout=15)
    finally:
        producer.close()


def read_topic(settings: Settings, name: str, expected: int, *, settle: float = 0.0,
               timeout: float = 20.0) -> list[Any]:
    """Every record of an isolated topic: at least ``expected``, then until ``settle`` s pass quietly."""
    topic = settings.topic(name)
    consumer = make_consumer(settings, group_id=None)
    records: list[Any] = []
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        quiet_since = time.monotonic()
        deadline = quiet_since + timeout
        while time.monotonic() < deadline:
            polled = consumer.poll(timeout_ms=300)
            records += [record for batch in polled.values() for record in batch]
            if polled:
                quiet_since = time.monotonic()
            elif len(records) >= expected and time.monotonic() - quiet_since >= settle:
                break
    finally:
        consumer.close()
    return records


def kafka_event_from_topic(settings: Settings, expected: int) -> dict[str, Any]:
    """Read the whole isolated mail.ack topic and shape it exactly like a self-managed Kafka ESM event."""
    records: dict[str, list[dict[str, Any]]] = {}
    for record in read_topic(settings, topics.ACK, expected):
        records.setdefault(f"{record.topic}-{record.partition}", []).append(_esm_record(record))
    assert sum(map(len, records.values())) == expected
    return {"eventSource": "SelfManagedKafka", "bootstrapServers": settings.kafka_bootstrap,
            "records": records}


def _esm_record(record: Any) -> dict[str, Any]:
    return {
        "topic": record.topic, "partition": record.partition, "offset": record.offset,
        "timestamp": record.timestamp, "timestampType": "CREATE_TIME",
        "key": base64.b64encode(record.key).decode() if record.key else None,
        "value": base64.b64encode(record.value).decode(),
        "headers": [{k: list(v)} for k, v in record.headers or []],
    }


def lifecycle_states(settings: Settings, expected: int) -> list[tuple[str, str]]:
    """(tracking id, state) of every event on the isolated mail.events topic."""
    events = [codec.decode_as(LifecycleEvent, r.value) for r in read_topic(settings, topics.EVENTS, expected,
                                                                        settle=1.5)]
    return [(event.id, event.state) for event in events]


FAST_BACKOFF = Backoff(attempts=4, first_delay=0.05, max_delay=0.2)
