"""SmtpTransport against real SMTP servers on loopback: reuse, reconnects, 4xx and 5xx."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from responder_harness import FAST_BACKOFF, SinkHandler, ack_request

from planetmail.pipeline_config import SenderIdentity
from planetmail.settings import Settings
from planetmail_local.stack.config import free_port
from responder.compose import Bodies, compose
from responder.senders import PermanentSendError, TransientSendError
from responder.senders.smtp import SmtpTransport

pytestmark = pytest.mark.integration

SmtpServer = Callable[..., tuple[SinkHandler, int]]
SENDER = "readers@dailyplanet.example"


@pytest.fixture
def transports() -> Iterator[Callable[..., SmtpTransport]]:
    opened: list[SmtpTransport] = []

    def open_transport(port: int, reuse_connection: bool = True) -> SmtpTransport:
        settings = Settings.load(smtp_host="127.0.0.1", smtp_port=port)
        transport = SmtpTransport(settings, backoff=FAST_BACKOFF, timeout=3.0,
                                  reuse_connection=reuse_connection)
        opened.append(transport)
        return transport

    yield open_transport
    for transport in opened:
        transport.close()


def acknowledgement(recipient: str = "reader@example.com") -> EmailMessage:
    email = ack_request(recipient).email
    return compose(email, Bodies("text", "<p>html</p>"), SenderIdentity(), datetime.now(UTC))


@pytest.mark.parametrize(("reuse", "connections"), [(True, 1), (False, 3)])
def test_connection_is_kept_open_and_reused(
    smtp_server: SmtpServer, transports: Callable[..., SmtpTransport], reuse: bool, connections: int
) -> None:
    sink, port = smtp_server()
    transport = transports(port, reuse_connection=reuse)
    for _ in range(3):
        receipt = transport.send(acknowledgement(), sender=SENDER, recipient="reader@example.com")
        assert receipt.attempts == 1 and receipt.response.startswith("2.0.0")
    assert len(sink.messages) == 3
    assert len(sink.peers) == connections
    assert transport.connections_opened == connections


def test_reconnects_after_the_server_went_away(
    smtp_server: SmtpServer, transports: Callable[..., SmtpTransport]
) -> None:
    first = SinkHandler()
    controller = Controller(first, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        transport = transports(controller.port)
        transport.send(acknowledgement(), sender=SENDER, recipient="reader@example.com")
    finally:
        controller.stop()
    second, _ = smtp_server(port=controller.port)  # same port, new server: the kept connection is stale
    transport.send(acknowledgement(), sender=SENDER, recipient="reader@example.com")
    assert len(first.messages) + len(second.messages) == 2
    assert transport.connections_opened == 2


def test_temporary_refusals_are_retried(
    smtp_server: SmtpServer, transports: Callable[..., SmtpTransport]
) -> None:
    sink, port = smtp_server(refuse_first=2)
    receipt = transports(port).send(acknowledgement(), sender=SENDER, recipient="reader@example.com")
    assert receipt.attempts == 3
    assert len(sink.messages) == 1


def test_permanent_refusal_is_not_retried(
    smtp_server: SmtpServer, transports: Callable[..., SmtpTransport]
) -> None:
    sink, port = smtp_server(refuse_first=100, refusal="550 5.1.1 no such user")
    with pytest.raises(PermanentSendError, match=r"550 5\.1\.1 no such user") as refused:
        transports(port).send(acknowledgement(), sender=SENDER, recipient="gone@example.com")
    assert refused.value.recipient_rejected
    assert sink.refused == 1


def test_unreachable_server_fails_after_bounded_retries(transports: Callable[..., SmtpTransport]) -> None:
    port = free_port()
    with pytest.raises(TransientSendError, match=f"127.0.0.1:{port}"):
        transports(port).send(acknowledgement(), sender=SENDER, recipient="reader@example.com")


def test_the_password_never_shows_in_errors() -> None:
    port = free_port()
    settings = Settings.load(smtp_host="127.0.0.1", smtp_port=port, smtp_username="u",
                             smtp_password="hunter2-secret", smtp_tls="starttls")
    transport = SmtpTransport(settings, backoff=FAST_BACKOFF, timeout=1.0)
    try:
        with pytest.raises(TransientSendError) as failed:
            transport.send(acknowledgement(), sender=SENDER, recipient="reader@example.com")
    finally:
        transport.close()
    assert "hunter2-secret" not in str(failed.value)
    assert "hunter2-secret" not in repr(settings)
