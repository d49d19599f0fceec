"""A tick of the SLA watch against real Kafka and a real SMTP server: breach event + ops e-mail."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from planetmail import codec, topics
from planetmail.inbound import utcnow
from planetmail.kafka import make_consumer, make_producer
from planetmail.lifecycle import LifecycleEvent
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail_local.observability.sla_watch import SlaWatch, email_operations
from planetmail_local.observability.synthetic import message_events

pytestmark = pytest.mark.integration


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:  # aiosmtpd cannot start on port 0: find a free port first
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def test_a_late_message_becomes_a_breach_event_and_one_mail_to_operations(isolated_settings: Settings, inbox):
    handler, port = inbox
    settings = Settings.load(topic_prefix=isolated_settings.topic_prefix, smtp_port=port)
    config = PipelineConfig(sla_seconds=30, operations_email="ops@dailyplanet.example")
    producer = make_producer(settings)
    watch = SlaWatch(settings, producer, config=lambda: config, identity="test:1",
                     notify=email_operations(settings))
    late = message_events(utcnow() - timedelta(seconds=45), latency=timedelta(0), outcome="open")
    for event in late:
        watch.add(event)

    assert [o.id for o in watch.tick()] == [late[0].id]
    producer.close()

    ((sender, recipients, message),) = handler.messages
    assert (sender, recipients) == ("readers@dailyplanet.example", ["ops@dailyplanet.example"])
    assert message["Subject"] == "planetmail: 1 message(s) not acknowledged within 30 s"
    assert late[0].id in message.get_payload()
    consumer = make_consumer(settings, settings.topic(topics.EVENTS), group_id=None, consumer_timeout_ms=1500)
    events = [codec.decode_as(LifecycleEvent, record.value) for record in consumer]
    consumer.close()
    assert [(e.id, e.state, e.stage) for e in events] == [(late[0].id, "sla_breach", "watchdog")]
