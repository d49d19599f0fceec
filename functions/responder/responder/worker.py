"""One responder per worker process: its transport connection, Kafka producer and table clients."""

from __future__ import annotations

from collections.abc import Callable

from kafka import KafkaProducer

from planetmail import aws
from planetmail.events import LifecycleReporter
from planetmail.kafka import make_producer
from planetmail.pipeline_config import PipelineConfig
from planetmail.send_ledger import CLAIM_LEASE_SECONDS, SendLedger
from planetmail.settings import Settings
from planetmail.status import StatusStore
from responder.acknowledgement import Responder
from responder.recipients import RecipientCap, SuppressionList
from responder.senders import Transport
from responder.senders.ses import SesTransport
from responder.senders.smtp import SmtpTransport


def make_transport(settings: Settings) -> Transport:
    return SesTransport(settings) if settings.mail_transport == "ses" else SmtpTransport(settings)


def build_responder(
    settings: Settings,
    config: Callable[[], PipelineConfig] = PipelineConfig,
    transport: Transport | None = None,
    ledger: SendLedger | None = None,
    producer: KafkaProducer | None = None,
) -> Responder:
    dynamodb = aws.client("dynamodb", settings)
    owned_producer = producer is None
    producer = producer or make_producer(settings)
    reporter = LifecycleReporter(settings, producer, StatusStore(settings, dynamodb), defer_rows=True)
    return Responder(
        ledger=ledger or SendLedger(settings, dynamodb, claim_lease_seconds=CLAIM_LEASE_SECONDS),
        suppressions=SuppressionList(settings, dynamodb),
        cap=RecipientCap(settings, dynamodb),
        transport=transport or make_transport(settings),
        reporter=reporter,
        flush_events=reporter.flush,
        close_events=producer.close if owned_producer else lambda: None,
        config=config,
    )
