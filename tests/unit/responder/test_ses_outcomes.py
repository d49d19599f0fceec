"""SesTransport's reading of botocore failures: which mean 'not sent' and which 'maybe sent'."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from planetmail.settings import Settings
from responder.senders import TransientSendError, UncertainDeliveryError
from responder.senders.backoff import Backoff
from responder.senders.ses import SesTransport


class Ses:
    def __init__(self, error: Exception) -> None:
        self.error, self.calls = error, 0

    def send_raw_email(self, **_: object) -> dict[str, str]:
        self.calls += 1
        raise self.error


def send(error: Exception) -> tuple[Ses, BaseException]:
    client = Ses(error)
    transport = SesTransport(Settings.load(environ={}), client=client, backoff=Backoff(attempts=3),
                             sleep=lambda _: None)
    message = EmailMessage()
    message["Subject"] = "Re: x"
    message.set_content("x")
    accepted: list[bool] = []
    with pytest.raises(Exception) as raised:
        transport.send(message, sender="a@dailyplanet.example", recipient="b@example.com",
                       on_accepted=lambda: accepted.append(True))
    assert accepted == [True]
    return client, raised.value


def test_an_unreachable_endpoint_is_retried_and_transient() -> None:
    client, raised = send(EndpointConnectionError(endpoint_url="https://email.example"))
    assert isinstance(raised, TransientSendError) and client.calls == 3


def test_no_answer_after_the_request_went_out_is_an_unknown_outcome_never_retried() -> None:
    client, raised = send(ReadTimeoutError(endpoint_url="https://email.example"))
    assert isinstance(raised, UncertainDeliveryError) and client.calls == 1
