"""``planetmail dlq resend-unknown`` against real Kafka topics, DynamoDB tables and an SMTP server.

A reply is put in doubt the way it happens in production: a worker marks it ``sending`` and dies; the
redeliveries find its lease still running and the event source dead-letters the record; once the lease
has run out an operator's ``dlq replay`` makes the responder record it failed as 'outcome unknown'.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner, Result
from responder_harness import (
    SinkHandler,
    ack_request,
    kafka_event_from_topic,
    publish,
    read_topic,
    settings_environment,
)

from planetmail import topics
from planetmail.ack import AckRequest
from planetmail.kafka import connection_options
from planetmail.send_ledger import LedgerEntry, SendLedger
from planetmail.settings import Settings
from planetmail.status import StatusStore
from planetmail_local.cli.dlq import dlq
from planetmail_local.emulator.kafka.destination import FailureDestination
from responder.acknowledgement import Responder
from responder.handler import handle

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LEASE_SECONDS = 1.0
NO_FAILURES: dict[str, Any] = {"batchItemFailures": []}
SmtpServer = Callable[..., tuple[SinkHandler, int]]


class Operator:
    """Runs ``planetmail dlq ...`` with the environment of these settings."""

    def __init__(self, settings: Settings, smtp_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
        for name, value in {**settings_environment(settings, smtp_port), "COLUMNS": "200"}.items():
            monkeypatch.setenv(name, value)

    def dlq(self, *args: str, answer: str | None = None) -> Result:
        return CliRunner().invoke(dlq, list(args), input=answer)


class Pipeline:
    """The isolated mail.ack topic, a responder worker and the event source's failure destination."""

    def __init__(self, settings: Settings, responder: Responder) -> None:
        self.settings = settings
        self.responder = responder
        self.published = 0

    def publish(self, request: AckRequest) -> None:
        publish(self.settings, [request])
        self.published += 1

    def deliver(self, replayed: int = 0) -> dict[str, Any]:
        """Hand the whole mail.ack topic (with ``replayed`` records added since) to the responder."""
        self.published += replayed
        event = kafka_event_from_topic(self.settings, self.published)
        response: dict[str, Any] = handle(event, self.responder)
        return response

    def dead_letter(self, response: dict[str, Any] | None = None) -> None:
        """What the event source does with the records still failing after its retries (``response``'s
        batch item failures; without one, every record)."""
        records = read_topic(self.settings, topics.ACK, self.published)
        if response is not None:
            failed = {(item["itemIdentifier"]["partition"], item["itemIdentifier"]["offset"])
                      for item in response["batchItemFailures"]}
            records = [r for r in records if (f"{r.topic}-{r.partition}", r.offset) in failed]
            assert len(records) == len(failed)
        destination = FailureDestination(self.settings.topic(topics.DLQ), connection_options(self.settings))
        try:
            destination.send(records, "retries exhausted", attempts=6)
        finally:
            destination.close()

    def strand(self, request: AckRequest) -> None:
        """A worker marked the reply 'sending' and died before the mail server answered; its record,
        redelivered while the lease runs, ends on mail.dlq."""
        self.publish(request)
        dying = SendLedger(self.settings, lease_seconds=LEASE_SECONDS)
        dying.sending(request.id, dying.claim(request.id).owner)
        self.dead_letter(self.deliver())
        time.sleep(LEASE_SECONDS)


def entry(settings: Settings, request: AckRequest) -> LedgerEntry:
    return SendLedger(settings).entries([request.id])[request.id]


def assert_untouched(pipeline: Pipeline, request: AckRequest, before: LedgerEntry) -> None:
    assert entry(pipeline.settings, request) == before
    assert len(read_topic(pipeline.settings, topics.ACK, 1, settle=1.0)) == 1, "nothing replayed"


def timeline(settings: Settings, request: AckRequest) -> list[tuple[str, str | None]]:
    return [(s["state"], s["detail"].get("reason")) for s in StatusStore(settings).timeline(request.id)]


@pytest.fixture
def setup(smtp_server: SmtpServer, make_responder: Callable[..., Responder], responder_settings: Settings,
          monkeypatch: pytest.MonkeyPatch) -> tuple[SinkHandler, Pipeline, Operator]:
    sink, port = smtp_server()
    return sink, Pipeline(responder_settings, make_responder(port)), Operator(responder_settings, port,
                                                                              monkeypatch)


def test_an_operator_resends_a_reply_in_doubt_exactly_once(
    setup: tuple[SinkHandler, Pipeline, Operator], responder_settings: Settings
) -> None:
    sink, pipeline, operator = setup
    request = ack_request(category="complaints")
    pipeline.strand(request)

    listing = operator.dlq("resend-unknown")
    assert listing.exit_code == 0, listing.output
    assert request.id in listing.output and "sending, lease ran out" in listing.output
    assert request.email.from_.address in listing.output

    assert operator.dlq("replay").exit_code == 0  # the lease ran out: replaying records it as unknown
    assert pipeline.deliver(replayed=1) == NO_FAILURES
    assert sink.messages == [], "an unknown outcome is never resent by the pipeline itself"
    assert timeline(responder_settings, request) == [("failed", "unknown_outcome")]
    assert "failed, outcome unknown" in operator.dlq("resend-unknown").output

    resent = operator.dlq("resend-unknown", "--id", request.id, "--yes")
    assert resent.exit_code == 0, resent.output
    assert f"{request.id}: ledger reopened" in resent.output
    assert pipeline.deliver(replayed=1) == NO_FAILURES
    assert pipeline.deliver() == NO_FAILURES, "a redelivery of the whole topic"

    assert sink.message_ids() == [f"<ack.{request.id}@dailyplanet.example>"]
    assert timeline(responder_settings, request) == [
        ("failed", "unknown_outcome"), ("retrying", "operator_resend"), ("acknowledged", None)]
    assert "0 reply(ies) in doubt" in operator.dlq("resend-unknown").output


def test_an_acknowledged_reply_is_refused_and_left_untouched(
    setup: tuple[SinkHandler, Pipeline, Operator], responder_settings: Settings
) -> None:
    sink, pipeline, operator = setup
    request = ack_request()
    pipeline.publish(request)
    assert pipeline.deliver() == NO_FAILURES
    pipeline.dead_letter()  # as if an earlier failure had dead-lettered it
    before = entry(responder_settings, request)

    refused = operator.dlq("resend-unknown", "--id", request.id, "--yes")

    assert refused.exit_code == 2
    assert refused.output.strip() == (f"planetmail: error: {request.id} is acknowledged, its outcome is "
                                      "known; there is nothing to resend")
    assert_untouched(pipeline, request, before)
    assert len(sink.messages) == 1


def test_an_id_not_on_the_dlq_is_refused(setup: tuple[SinkHandler, Pipeline, Operator]) -> None:
    _, _, operator = setup
    refused = operator.dlq("resend-unknown", "--id", "01NOSUCHMESSAGE0000000000")
    assert refused.exit_code == 2
    assert "01NOSUCHMESSAGE0000000000 is not on mail.dlq;" in refused.output
    assert "Traceback" not in refused.output


def test_answering_no_changes_nothing(
    setup: tuple[SinkHandler, Pipeline, Operator], responder_settings: Settings
) -> None:
    sink, pipeline, operator = setup
    request = ack_request()
    pipeline.strand(request)
    before = entry(responder_settings, request)

    declined = operator.dlq("resend-unknown", "--id", request.id, answer="n\n")

    assert declined.exit_code == 1
    assert "may get a second acknowledgement" in declined.output and "Aborted" in declined.output
    assert_untouched(pipeline, request, before)
    assert before.outcome_unknown(time.time())
    assert timeline(responder_settings, request) == []
    assert sink.messages == []
