"""The responder handler end to end: real mail.ack records, DynamoDB tables and SMTP servers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from responder_harness import (
    SinkHandler,
    ack_request,
    kafka_event_from_topic,
    lifecycle_states,
    publish,
    settings_environment,
)

from planetmail import topics
from planetmail.ack import AckRequest
from planetmail.kafka import make_producer
from planetmail.settings import Settings
from planetmail.status import StatusStore
from responder import handler as handler_module
from responder.acknowledgement import Responder
from responder.handler import handle

pytestmark = pytest.mark.integration

NO_FAILURES: dict[str, Any] = {"batchItemFailures": []}
SmtpServer = Callable[..., tuple[SinkHandler, int]]
MakeResponder = Callable[..., Responder]
AckBatch = Callable[[list[AckRequest]], dict[str, Any]]


def our_message_id(request: AckRequest) -> str:
    return f"<ack.{request.id}@dailyplanet.example>"


def steps(settings: Settings, request: AckRequest) -> list[dict[str, Any]]:
    return StatusStore(settings).timeline(request.id)


def test_replaying_the_topic_sends_one_acknowledgement_per_message(
    smtp_server: SmtpServer, make_responder: MakeResponder, ack_batch: AckBatch, responder_settings: Settings
) -> None:
    sink, port = smtp_server()
    genuine = [ack_request(category="complaints"), ack_request(category="news_tips", language="es"),
               ack_request(category="human_review")]
    auto_reply = ack_request(headers={"auto-submitted": "auto-replied (vacation)"})
    spam = ack_request(category="spam")
    event = ack_batch([*genuine, auto_reply, spam])
    worker, other_worker = make_responder(port), make_responder(port)

    for responder in (worker, worker, other_worker):
        assert handle(event, responder) == NO_FAILURES

    assert sorted(sink.message_ids()) == sorted(our_message_id(r) for r in genuine)
    assert len(sink.peers) == 1, "the worker reused one SMTP connection"
    assert sorted(lifecycle_states(responder_settings, expected=5)) == sorted(
        [(r.id, "acknowledged") for r in genuine] + [(auto_reply.id, "suppressed"), (spam.id, "suppressed")])
    (acknowledged,) = steps(responder_settings, genuine[0])
    assert acknowledged["state"] == "acknowledged"
    assert 2.0 <= acknowledged["detail"]["latency_seconds"] < 60
    assert [s["detail"]["reason"] for s in steps(responder_settings, auto_reply)] == ["auto_submitted"]
    assert [s["detail"]["reason"] for s in steps(responder_settings, spam)] == ["spam"]


def test_acknowledgement_as_received_by_the_server(
    smtp_server: SmtpServer, make_responder: MakeResponder, ack_batch: AckBatch
) -> None:
    sink, port = smtp_server()
    request = ack_request("lectora@example.es", category="complaints", language="es",
                          subject="Mi periódico\r\nBcc: victim@example.net")
    assert handle(ack_batch([request]), make_responder(port)) == NO_FAILURES
    (message,) = sink.messages
    assert message["X-Envelope-To"] == "lectora@example.es"
    assert message["To"].addresses[0].addr_spec == "lectora@example.es"
    assert message["Subject"] == f"Re: Mi periódico Bcc: victim@example.net [{request.id}]"
    assert message["In-Reply-To"] == request.email.message_id
    assert message["Auto-Submitted"] == "auto-replied"
    text = message.get_body(("plain",))
    assert text is not None and "24 horas" in text.get_content()


def test_per_recipient_cap_stops_a_flood(
    smtp_server: SmtpServer, make_responder: MakeResponder, ack_batch: AckBatch, responder_settings: Settings
) -> None:
    sink, port = smtp_server()
    flood = [ack_request("flood@example.com") for _ in range(5)]
    assert handle(ack_batch(flood), make_responder(port)) == NO_FAILURES
    assert len(sink.messages) == 3
    reasons = [s["detail"].get("reason") for r in flood for s in steps(responder_settings, r)]
    assert reasons.count("recipient_cap") == 2


def test_temporary_refusals_are_retried_until_accepted(
    smtp_server: SmtpServer, make_responder: MakeResponder, ack_batch: AckBatch, responder_settings: Settings
) -> None:
    sink, port = smtp_server(refuse_first=2)
    request = ack_request()
    assert handle(ack_batch([request]), make_responder(port)) == NO_FAILURES
    assert sink.refused == 2
    assert sink.message_ids() == [our_message_id(request)]
    (step,) = steps(responder_settings, request)
    assert step["detail"]["attempts"] == 3


def test_still_refused_after_the_retries_the_record_comes_back_and_succeeds_later(
    smtp_server: SmtpServer, make_responder: MakeResponder, ack_batch: AckBatch, responder_settings: Settings
) -> None:
    busy, busy_port = smtp_server(refuse_first=1000)
    request = ack_request()
    event = ack_batch([request])
    (item,) = [r for records in event["records"].values() for r in records]

    response = handle(event, make_responder(busy_port))

    assert response["batchItemFailures"] == [{"itemIdentifier": {
        "partition": f"{item['topic']}-{item['partition']}", "offset": item["offset"]}}]
    assert busy.refused == 4 and busy.messages == []
    assert [s["state"] for s in steps(responder_settings, request)] == ["retrying"]
    healthy, port = smtp_server()
    assert handle(event, make_responder(port)) == NO_FAILURES
    assert healthy.message_ids() == [our_message_id(request)]


def test_permanent_refusal_fails_once_and_suppresses_the_address(
    smtp_server: SmtpServer, make_responder: MakeResponder, ack_batch: AckBatch, responder_settings: Settings
) -> None:
    refusal = "550 5.1.1 <gone@example.com>: no such user"
    rejecting, rejecting_port = smtp_server(refuse_first=1000, refusal=refusal)
    first, later = ack_request("gone@example.com"), ack_request("gone@example.com")
    assert handle(ack_batch([first]), make_responder(rejecting_port)) == NO_FAILURES
    assert rejecting.refused == 1, "a 5xx is never retried"
    (failed,) = steps(responder_settings, first)
    assert failed["state"] == "failed" and "550" in failed["error"]
    assert failed["detail"]["address_suppressed"] is True

    sink, port = smtp_server()
    assert handle(ack_batch([later]), make_responder(port)) == NO_FAILURES
    assert sink.messages == []
    assert [s["detail"]["reason"] for s in steps(responder_settings, later)] == ["hard_bounce"]


def test_an_address_refused_early_in_a_batch_is_suppressed_for_the_rest_of_it(
    smtp_server: SmtpServer, make_responder: MakeResponder, ack_batch: AckBatch, responder_settings: Settings
) -> None:
    rejecting, port = smtp_server(refuse_first=1000, refusal="550 5.1.1 <gone@example.com>: no such user")
    first, second = ack_request("gone@example.com"), ack_request("gone@example.com")
    assert handle(ack_batch([first, second]), make_responder(port)) == NO_FAILURES
    assert rejecting.refused == 1
    # The batch's partitions decide which of the two goes first.
    timelines = [steps(responder_settings, request) for request in (first, second)]
    reasons = sorted(step["detail"]["reason"] for timeline in timelines for step in timeline)
    assert reasons == ["hard_bounce", "recipient_refused"]


def test_unreadable_record_is_reported_as_a_batch_item_failure(
    smtp_server: SmtpServer, make_responder: MakeResponder, responder_settings: Settings
) -> None:
    producer = make_producer(responder_settings)
    producer.send(responder_settings.topic(topics.ACK), key=b"junk", value=b'{"schema": "planetmail.ack/v1"}')
    producer.flush()
    producer.close()
    sink, port = smtp_server()
    good = ack_request()
    publish(responder_settings, [good])
    event = kafka_event_from_topic(responder_settings, 2)

    failures = handle(event, make_responder(port))["batchItemFailures"]

    assert len(failures) == 1
    assert sink.message_ids() == [our_message_id(good)]


def test_lambda_entry_point_builds_one_responder_per_worker_from_the_environment(
    smtp_server: SmtpServer, ack_batch: AckBatch, responder_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink, port = smtp_server()
    for variable, value in settings_environment(responder_settings, port).items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setattr(handler_module, "_responder", None)
    first, second = ack_request(), ack_request()
    try:
        assert handler_module.handler(ack_batch([first]), None) == NO_FAILURES
        warm = handler_module._responder
        assert handler_module.handler(ack_batch([second]), None) == NO_FAILURES
        assert handler_module._responder is warm
    finally:
        if handler_module._responder is not None:
            handler_module._responder.close()
    assert sorted(sink.message_ids()) == sorted(our_message_id(r) for r in (first, second))
    assert len(sink.peers) == 1


def test_records_left_when_the_function_is_about_to_time_out_are_handed_back_unsent(
    smtp_server: SmtpServer, make_responder: MakeResponder, ack_batch: AckBatch
) -> None:
    sink, port = smtp_server()
    first, second = ack_request(), ack_request()
    event = ack_batch([first, second])

    response = handle(event, make_responder(port), remaining_ms=lambda: handler_module.SEND_RESERVE_MS - 1)

    assert len(sink.message_ids()) == 1, "the first record of a batch is always tried"
    assert len(response["batchItemFailures"]) == 1, "the other one is handed back"
    assert handle(event, make_responder(port)) == NO_FAILURES
    assert sorted(sink.message_ids()) == sorted(our_message_id(r) for r in (first, second))
