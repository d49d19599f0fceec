"""The benchmark's reader of terminal states on a real broker: it is opened before the run, read after."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from planetmail.inbound import utcnow
from planetmail.kafka import make_producer
from planetmail.settings import Settings
from planetmail_local.bench.outcomes import Outcome, TerminalStates
from planetmail_local.observability.synthetic import message_events, publish

pytestmark = pytest.mark.integration


def test_events_produced_between_opening_and_the_first_read_are_all_seen(isolated_settings: Settings) -> None:
    terminal = TerminalStates(isolated_settings, since=time.time())  # empty topic: positioned at its end
    try:
        time.sleep(1.0)
        received = utcnow() - timedelta(seconds=5)
        spam = message_events(received, latency=timedelta(seconds=1), outcome="suppressed", category="spam",
                              tracking_id="01SPAM")
        acknowledged = message_events(received, latency=timedelta(seconds=1), tracking_id="01ACK")
        producer = make_producer(isolated_settings)
        publish(isolated_settings, producer, spam + acknowledged)
        producer.close()
        deadline = time.monotonic() + 20
        while len(terminal.read()) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert terminal.outcomes == {"01SPAM": Outcome("suppressed", "responder", "spam"),
                                     "01ACK": Outcome("acknowledged", "responder", "")}
    finally:
        terminal.close()
