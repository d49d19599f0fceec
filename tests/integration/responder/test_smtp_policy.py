"""SmtpTransport's contract with the send ledger and the hard-bounce list, against real sockets.

A scripted server on loopback plays what aiosmtpd will not: a host that accepts TCP and never greets,
and a server that swallows DATA and drops the connection. aiosmtpd plays refusals and plaintext AUTH.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from responder_harness import FAST_BACKOFF, SinkHandler, ack_request

from planetmail.ack import AckRequest
from planetmail.pipeline_config import SenderIdentity
from planetmail.send_ledger import SendLedger
from planetmail.settings import Settings
from responder.acknowledgement import Responder
from responder.compose import Bodies, compose
from responder.handler import handle
from responder.senders import PermanentSendError, TransientSendError, UncertainDeliveryError
from responder.senders.backoff import Backoff
from responder.senders.smtp import InsecureCredentialsError, SmtpTransport

pytestmark = pytest.mark.integration

SmtpServer = Callable[..., tuple[SinkHandler, int]]
SENDER = "readers@dailyplanet.example"
SLOW_BACKOFF = Backoff(attempts=6, first_delay=0.5, max_delay=8.0)
"""The production shape: on its own it would wait about 15 s between six 10-second attempts."""


@contextlib.contextmanager
def scripted_server(script: Callable[[socket.socket], None]) -> Iterator[int]:
    """A loopback TCP server running ``script`` on every connection until the test ends."""
    listener = socket.create_server(("127.0.0.1", 0))
    connections: list[socket.socket] = []

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = listener.accept()
                connections.append(connection)
                threading.Thread(target=script, args=(connection,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        for connection in connections:
            connection.close()


def never_greets(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.recv(1024)  # holds the connection open, says nothing


def drops_during_data(connection: socket.socket) -> None:
    """Accepts the envelope and the message, then disconnects instead of answering the final dot."""
    replies = {b"EHLO": b"250 sink\r\n", b"HELO": b"250 sink\r\n", b"MAIL": b"250 2.1.0 Ok\r\n",
               b"RCPT": b"250 2.1.5 Ok\r\n", b"DATA": b"354 go ahead\r\n"}
    stream = connection.makefile("rb")
    with contextlib.suppress(OSError):
        connection.sendall(b"220 scripted ESMTP\r\n")
        for line in stream:
            reply = replies.get(line[:4].upper())
            if reply is None:
                continue
            connection.sendall(reply)
            if line[:4].upper() == b"DATA":
                for body_line in stream:
                    if body_line == b".\r\n":
                        connection.shutdown(socket.SHUT_RDWR)
                        return


def transport(port: int, *, backoff: Backoff = FAST_BACKOFF, **settings: str) -> SmtpTransport:
    return SmtpTransport(Settings.load(smtp_host="127.0.0.1", smtp_port=port, **settings), backoff=backoff)


def acknowledgement() -> EmailMessage:
    email = ack_request("reader@example.com").email
    return compose(email, Bodies("text", "<p>html</p>"), SenderIdentity(), email.received_at)


class Accepted:
    """Stands in for the send ledger's ``sending``: counts the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


def test_a_server_that_never_greets_costs_no_more_than_the_deadline() -> None:
    with scripted_server(never_greets) as port:
        sender, accepted = transport(port, backoff=SLOW_BACKOFF), Accepted()
        started = time.monotonic()
        try:
            with pytest.raises(TransientSendError, match="deadline"):
                sender.send(acknowledgement(), sender=SENDER, recipient="reader@example.com",
                            deadline=started + 2.0, on_accepted=accepted)
        finally:
            sender.close()
    assert time.monotonic() - started < 3.0
    assert accepted.calls == 0, "nothing was accepted, so the ledger must never say sending"


def test_a_connection_lost_during_data_is_an_unknown_outcome_not_a_retry() -> None:
    with scripted_server(drops_during_data) as port:
        sender, accepted = transport(port), Accepted()
        try:
            with pytest.raises(UncertainDeliveryError):
                sender.send(acknowledgement(), sender=SENDER, recipient="reader@example.com",
                            on_accepted=accepted)
        finally:
            sender.close()
    assert accepted.calls == 1, "one attempt only: a second could deliver it twice"


@pytest.mark.parametrize(("refusal", "address_unknown"), [
    ("550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown", True),
    ("553 5.1.3 Bad recipient address syntax", True),
    ("550 5.7.1 Relaying denied", False),
    ("554 5.7.1 Service unavailable; client host blocked", False),
    ("550 Requested action not taken", False),
])
def test_only_5_1_x_marks_the_address_as_unknown(smtp_server: SmtpServer, refusal: str,
                                                 address_unknown: bool) -> None:
    sink, port = smtp_server(refuse_first=100, refusal=refusal)
    sender, accepted = transport(port), Accepted()
    try:
        with pytest.raises(PermanentSendError) as refused:
            sender.send(acknowledgement(), sender=SENDER, recipient="gone@example.com",
                        on_accepted=accepted)
    finally:
        sender.close()
    assert refused.value.recipient_rejected is address_unknown
    assert (sink.refused, accepted.calls) == (1, 0)


def test_sending_is_announced_once_the_envelope_is_accepted(smtp_server: SmtpServer) -> None:
    sink, port = smtp_server(refuse_first=2)  # 451 twice at RCPT, then accepted
    sender, accepted = transport(port), Accepted()
    try:
        receipt = sender.send(acknowledgement(), sender=SENDER, recipient="reader@example.com",
                              on_accepted=accepted)
    finally:
        sender.close()
    assert (receipt.attempts, accepted.calls, len(sink.messages)) == (3, 1, 1)


def test_credentials_are_refused_without_tls() -> None:
    with pytest.raises(InsecureCredentialsError, match="starttls or implicit"):
        transport(25, smtp_tls="none", smtp_username="desk", smtp_password="hunter2-secret")


def test_starttls_with_credentials_never_falls_back_to_clear_text(smtp_server: SmtpServer) -> None:
    sink, port = smtp_server()  # no STARTTLS offered
    sender = transport(port, smtp_tls="starttls", smtp_username="desk", smtp_password="hunter2-secret")
    try:
        with pytest.raises(PermanentSendError, match=r"(?i)starttls") as refused:
            sender.send(acknowledgement(), sender=SENDER, recipient="reader@example.com")
    finally:
        sender.close()
    assert sink.messages == [] and "hunter2" not in str(refused.value)


def test_starttls_towards_the_local_sink_without_credentials_still_delivers(smtp_server: SmtpServer) -> None:
    sink, port = smtp_server()
    sender = transport(port, smtp_tls="starttls")
    try:
        sender.send(acknowledgement(), sender=SENDER, recipient="reader@example.com")
    finally:
        sender.close()
    assert len(sink.messages) == 1


def test_the_handler_gives_a_black_holed_message_back_within_the_invocation(
        make_responder: Callable[..., Responder], ack_batch: Callable[[list[AckRequest]], dict[str, Any]],
        responder_settings: Settings) -> None:
    """Lambda-sized: 6 s left in the invocation, a server that never greets, the production backoff."""
    request = ack_request("reader@example.com")
    event = ack_batch([request])
    with scripted_server(never_greets) as port:
        worker = make_responder(port, backoff=SLOW_BACKOFF)
        started = time.monotonic()
        answer = handle(event, worker, remaining_ms=lambda: int((started + 6 - time.monotonic()) * 1000))
        elapsed = time.monotonic() - started
    assert elapsed < 5.5, "the send must end before the invocation does"
    assert len(answer["batchItemFailures"]) == 1, "given back for redelivery"
    entries = SendLedger(responder_settings).entries([request.id])
    assert request.id not in entries, "released: never left 'sending' (which would mean outcome unknown)"
