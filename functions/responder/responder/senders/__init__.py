"""Mail transports: one module per transport, one contract for all of them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from email.message import EmailMessage
from typing import Protocol


class SendError(Exception):
    """The transport could not hand the acknowledgement over; the message says why in one line."""


class TransientSendError(SendError):
    """4xx, timeouts, disconnects, throttling: still failing after the bounded retries."""


class PermanentSendError(SendError):
    """5xx or a rejected message: retrying cannot help."""

    def __init__(self, message: str, *, recipient_rejected: bool) -> None:
        super().__init__(message)
        self.recipient_rejected = recipient_rejected
        """True when the recipient address itself was refused (a hard bounce): suppress it."""


class UncertainDeliveryError(SendError):
    """The server may hold the message (the connection or the deadline ended during DATA): it is
    neither retried nor reported as delivered; the message ends ``failed`` with an unknown outcome."""


@dataclasses.dataclass(frozen=True)
class Receipt:
    transport: str
    attempts: int
    response: str


class Transport(Protocol):
    name: str

    def send(self, message: EmailMessage, *, sender: str, recipient: str, deadline: float | None = None,
             on_accepted: Callable[[], object] = lambda: None) -> Receipt:
        """Deliver to exactly one recipient, retrying transient failures; raise SendError otherwise.

        ``on_accepted`` runs once the server (or service) accepted the envelope, right before the
        message itself goes out; ``deadline`` (``time.monotonic()``) bounds the whole send."""

    def close(self) -> None: ...
