"""Fixtures of the responder integration tests: SMTP servers, DynamoDB tables, mail.ack batches."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from responder_harness import (
    FAST_BACKOFF,
    SinkHandler,
    kafka_event_from_topic,
    publish,
    temporary_tables,
)

from planetmail.ack import AckRequest
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail_local.stack.config import free_port
from responder.acknowledgement import Responder
from responder.senders.backoff import Backoff
from responder.senders.smtp import SmtpTransport
from responder.worker import build_responder


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., tuple[SinkHandler, int]]]:
    """Start a real SMTP server on a free loopback port: ``handler, port = smtp_server(refuse_first=2)``."""
    controllers: list[Controller] = []

    def start(refuse_first: int = 0, refusal: str = "451 4.3.0 Try again later",
              port: int | None = None, **smtp_options: Any) -> tuple[SinkHandler, int]:
        handler = SinkHandler(refuse_first, refusal)
        controller = Controller(handler, hostname="127.0.0.1", port=port or free_port(), **smtp_options)
        controller.start()
        controllers.append(controller)
        return handler, controller.port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def responder_tables(stack_settings: Settings) -> Iterator[tuple[str, str]]:
    """A fresh idempotency table (Powertools key schema + TTL) and status table on the AWS endpoint."""
    with temporary_tables(stack_settings) as names:
        yield names


@pytest.fixture
def responder_settings(isolated_settings: Settings, responder_tables: tuple[str, str]) -> Settings:
    idempotency, status = responder_tables
    return dataclasses.replace(isolated_settings, idempotency_table=idempotency, status_table=status,
                               smtp_host="127.0.0.1")


@pytest.fixture
def ack_batch(responder_settings: Settings) -> Callable[[list[AckRequest]], dict[str, Any]]:
    """Publish ack requests on the isolated mail.ack topic; return an ESM event of the whole topic."""
    published = 0

    def batch(requests: list[AckRequest]) -> dict[str, Any]:
        nonlocal published
        publish(responder_settings, requests)
        published += len(requests)
        event: dict[str, Any] = kafka_event_from_topic(responder_settings, published)
        return event

    return batch


@pytest.fixture
def make_responder(responder_settings: Settings) -> Iterator[Callable[..., Responder]]:
    """A worker's responder sending to ``smtp_port``; its connection and producer close afterwards."""
    opened: list[Responder] = []

    def build(smtp_port: int, config: Callable[[], PipelineConfig] = PipelineConfig,
              backoff: Backoff = FAST_BACKOFF) -> Responder:
        settings = dataclasses.replace(responder_settings, smtp_port=smtp_port)
        transport = SmtpTransport(settings, backoff=backoff, timeout=3.0)
        responder = build_responder(settings, config, transport=transport)
        opened.append(responder)
        return responder

    yield build
    for responder in opened:
        responder.close()
