"""SesTransport and the whole responder over SES, against the running moto server."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from responder_harness import ack_request

from planetmail import aws
from planetmail.pipeline_config import PipelineConfig, SenderIdentity
from planetmail.settings import Settings
from planetmail.status import StatusStore
from responder.compose import Bodies, compose
from responder.handler import handle
from responder.senders import PermanentSendError
from responder.senders.ses import SesTransport
from responder.worker import build_responder

pytestmark = pytest.mark.integration


@pytest.fixture
def verified_sender(stack_settings: Settings) -> SenderIdentity:
    """A sender on a freshly verified SES domain identity."""
    domain = f"ack-{uuid.uuid4().hex[:8]}.example"
    aws.client("ses", stack_settings).verify_domain_identity(Domain=domain)
    return SenderIdentity(address=f"readers@{domain}", message_id_domain=domain)


def sent_count(settings: Settings) -> int:
    """How many messages the SES endpoint accepted (moto's send quota counter)."""
    return int(aws.client("ses", settings).get_send_quota()["SentLast24Hours"])


def test_send_raw_email_through_ses(stack_settings: Settings, verified_sender: SenderIdentity) -> None:
    email = ack_request("reader@example.com").email
    message = compose(email, Bodies("text", "<p>html</p>"), verified_sender, datetime.now(UTC))
    transport = SesTransport(stack_settings)
    before = sent_count(stack_settings)
    try:
        receipt = transport.send(message, sender=verified_sender.address, recipient="reader@example.com")
    finally:
        transport.close()
    assert receipt.response.startswith("SES MessageId ")
    assert receipt.attempts == 1
    # moto counts the Destinations parameter and the To header separately, so not "+ 1".
    assert sent_count(stack_settings) > before


def test_unverified_sender_is_a_permanent_failure(stack_settings: Settings) -> None:
    email = ack_request().email
    sender = SenderIdentity(address=f"readers@unverified-{uuid.uuid4().hex[:8]}.example")
    message = compose(email, Bodies("text", "<p>html</p>"), sender, datetime.now(UTC))
    transport = SesTransport(stack_settings)
    try:
        with pytest.raises(PermanentSendError, match="MessageRejected") as refused:
            transport.send(message, sender=sender.address, recipient="reader@example.com")
    finally:
        transport.close()
    assert not refused.value.recipient_rejected, "a rejected sender says nothing about the address"


def test_responder_acknowledges_through_ses(
    responder_settings: Settings, verified_sender: SenderIdentity,
    ack_batch: Callable[[list[Any]], dict[str, Any]],
) -> None:
    settings = dataclasses.replace(responder_settings, mail_transport="ses")
    request = ack_request()
    responder = build_responder(settings, lambda: PipelineConfig(sender=verified_sender))
    try:
        assert handle(ack_batch([request]), responder) == {"batchItemFailures": []}
    finally:
        responder.close()
    (step,) = StatusStore(settings).timeline(request.id)
    assert step["state"] == "acknowledged"
    assert step["detail"]["transport"] == "ses"
