"""Benchmark: acknowledgements per second into a local aiosmtpd sink, connection reuse vs one per message.

    .venv/bin/python tests/integration/responder/bench_ack_throughput.py [--messages N] [--rounds R] [--full]

The sink is a separate aiosmtpd process (``aiosmtpd.handlers.Sink``) on a free loopback port. Both
connection modes run in the same invocation, their rounds interleaved so background load hits both alike;
the figure per mode is the median round.

- ``smtp``: ``SmtpTransport.send`` only; the messages are rendered and composed before the clock starts.
- ``compose``: render + compose + ``SmtpTransport.send`` per acknowledgement.
- ``responder`` (``--full``): the whole ``Responder.acknowledge`` path as well: send ledger and
  per-recipient cap in DynamoDB (the moto server), lifecycle events on Kafka, status rows, on throwaway
  tables and topics.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime
from email.message import EmailMessage

from responder_harness import ack_request, temporary_tables

from planetmail.ack import AckRequest
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail_local.stack.config import free_port
from planetmail_local.stack.topics import ensure_topics
from responder.compose import compose, recipient_of
from responder.render import render
from responder.senders.smtp import SmtpTransport
from responder.worker import build_responder

MODES = {"reused": True, "per-message": False}
CONFIG = PipelineConfig()
SENDER = CONFIG.sender.address
Round = Callable[[Settings, bool, list[AckRequest]], float]


@contextlib.contextmanager
def sink_process() -> Iterator[int]:
    port = free_port()
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Sink"])
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.1)
        yield port
    finally:
        sink.terminate()
        sink.wait(timeout=10)


def smtp_round(settings: Settings, reuse: bool, requests: list[AckRequest]) -> float:
    messages = [acknowledgement(request) for request in requests]
    with closing(SmtpTransport(settings, reuse_connection=reuse)) as transport:
        started = time.perf_counter()
        for request, message in zip(requests, messages, strict=True):
            transport.send(message, sender=SENDER, recipient=recipient_of(request.email).address)
        return time.perf_counter() - started


def compose_round(settings: Settings, reuse: bool, requests: list[AckRequest]) -> float:
    with closing(SmtpTransport(settings, reuse_connection=reuse)) as transport:
        started = time.perf_counter()
        for request in requests:
            transport.send(acknowledgement(request), sender=SENDER,
                           recipient=recipient_of(request.email).address)
        return time.perf_counter() - started


def acknowledgement(request: AckRequest) -> EmailMessage:
    classification = request.classification
    bodies = render(request.email, classification.category, classification.language, CONFIG)
    return compose(request.email, bodies, CONFIG.sender, datetime.now(UTC))


def responder_round(settings: Settings, reuse: bool, requests: list[AckRequest]) -> float:
    responder = build_responder(settings, transport=SmtpTransport(settings, reuse_connection=reuse))
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the EMF metric lines
            started = time.perf_counter()
            outcomes = [responder.acknowledge(request) for request in requests]
            responder.flush()
            elapsed = time.perf_counter() - started
    finally:
        responder.close()
    assert {str(o) for o in outcomes} == {"acknowledged"}, outcomes
    return elapsed


def measure(name: str, run: Round, settings: Settings, messages: int, rounds: int) -> dict[str, float]:
    seconds: dict[str, list[float]] = {mode: [] for mode in MODES}
    for _ in range(rounds):
        for mode, reuse in MODES.items():
            requests = [ack_request() for _ in range(messages)]
            seconds[mode].append(run(settings, reuse, requests))
    rates = {mode: messages / statistics.median(values) for mode, values in seconds.items()}
    for mode, rate in rates.items():
        print(f"{name:<10} {mode:<12} {messages:>8} {statistics.median(seconds[mode]):>9.3f} {rate:>10.1f}")
    print(f"{name:<10} ratio reused / per-message: {rates['reused'] / rates['per-message']:.2f}x")
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300, help="acknowledgements per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per connection mode (median is kept)")
    parser.add_argument("--full", action="store_true", help="also run the whole responder path")
    args = parser.parse_args()
    base = Settings.load(aws_endpoint_url="http://127.0.0.1:4566", smtp_host="127.0.0.1")
    with sink_process() as port:
        settings = dataclasses.replace(base, smtp_port=port)
        print(f"{'path':<10} {'connection':<12} {'messages':>8} {'seconds':>9} {'acks/s':>10}")
        measure("smtp", smtp_round, settings, args.messages, args.rounds)
        measure("compose", compose_round, settings, args.messages, args.rounds)
        if args.full:
            with temporary_tables(settings) as (idempotency, status):
                full = dataclasses.replace(settings, idempotency_table=idempotency, status_table=status,
                                           topic_prefix=f"bench{uuid.uuid4().hex[:8]}.")
                ensure_topics(full)
                measure("responder", responder_round, full, args.messages, args.rounds)


if __name__ == "__main__":
    main()
