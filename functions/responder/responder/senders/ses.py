"""Amazon SES ``SendRawEmail`` through boto3 (moto's server locally)."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

from planetmail import aws
from planetmail.settings import Settings
from responder.compose import wire_bytes
from responder.senders import (
    PermanentSendError,
    Receipt,
    SendError,
    TransientSendError,
    UncertainDeliveryError,
)
from responder.senders.backoff import Backoff

_TRANSIENT_CODES = frozenset({
    "Throttling", "ThrottlingException", "ServiceUnavailable", "InternalFailure", "RequestTimeout",
})


class SesTransport:
    name = "ses"

    def __init__(
        self,
        settings: Settings,
        *,
        client: Any | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._ses = client or aws.client("ses", settings)
        self._backoff = backoff or Backoff()
        self._sleep = sleep

    def send(self, message: EmailMessage, *, sender: str, recipient: str, deadline: float | None = None,
             on_accepted: Callable[[], object] = lambda: None) -> Receipt:
        """SES has no envelope step: the message counts as handed over from the first call on."""
        data = wire_bytes(message)
        waits = iter(self._backoff.delays())
        attempt = 0
        on_accepted()
        while True:
            attempt += 1
            try:
                return Receipt(self.name, attempt, self._send_once(data, sender, recipient))
            except TransientSendError:
                wait = next(waits, None)
                if wait is None or (deadline is not None and time.monotonic() + wait >= deadline):
                    raise
            self._sleep(wait)

    def close(self) -> None:
        self._ses.close()

    def _send_once(self, data: bytes, sender: str, recipient: str) -> str:
        try:
            response = self._ses.send_raw_email(
                Source=sender, Destinations=[recipient], RawMessage={"Data": data}
            )
        except ClientError as exc:
            raise _refused(exc) from None
        except ReadTimeoutError as exc:  # the request went out: SES may have taken the message
            raise UncertainDeliveryError(f"SES did not answer in time; delivery unknown: {exc}") from None
        except BotoCoreError as exc:
            raise TransientSendError(f"SES unreachable: {exc}") from None
        return f"SES MessageId {response['MessageId']}"


def _refused(exc: ClientError) -> SendError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    reply = f"SES answered {code}: {error.get('Message', '')}".strip()
    if code in _TRANSIENT_CODES:
        return TransientSendError(reply)
    # SES reports hard bounces asynchronously; a synchronous rejection is about us, not the address.
    return PermanentSendError(reply, recipient_rejected=False)
