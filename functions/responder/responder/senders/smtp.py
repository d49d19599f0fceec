"""SMTP through aiosmtplib: one connection per worker, kept open and reused between acknowledgements.

The handler is synchronous (Lambda), so the transport owns a private event loop that lives as long as
the worker and with it the connection. Each send is one SMTP transaction in steps, so the caller knows
where it stands:

- until the server accepted MAIL FROM and RCPT TO nothing can have been delivered: a failure there is
  retried (4xx, timeouts, disconnects, with a bounded backoff) or refused (5xx);
- then ``on_accepted`` runs (the send ledger records ``sending``) and DATA goes out. A 4xx/5xx answer
  to DATA still means "not delivered"; losing the connection or the deadline while the server holds
  the message means the outcome is unknown (``UncertainDeliveryError``), never retried.

The whole send, reconnects and backoff included, ends by ``deadline`` (the Lambda's own, less a
margin), so a server that accepts TCP but never greets cannot outlive the invocation.

Only 5.1.x enhanced status codes (RFC 3463: bad mailbox, bad domain...) say the address itself is
wrong; any other 5xx at RCPT (``5.7.1 relaying denied``) is about us. Credentials are never sent in
clear: ``none`` with a password is refused, and ``starttls`` insists on STARTTLS, except towards a
loopback host when no credentials are configured (the local sink), where nothing crosses a network.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import time
from collections.abc import Callable
from email.message import EmailMessage

import aiosmtplib

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

_ADDRESS_UNKNOWN = re.compile(r"^\s*5\.1\.\d{1,3}\b")
"""RFC 3463 X.1.Y: addressing status (bad destination mailbox / system / syntax, moved, null MX)."""
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class InsecureCredentialsError(ValueError):
    """SMTP credentials configured without TLS: they would cross the network in clear."""


class SmtpTransport:
    name = "smtp"

    def __init__(
        self,
        settings: Settings,
        *,
        backoff: Backoff | None = None,
        timeout: float = 10.0,
        reuse_connection: bool = True,
    ) -> None:
        refusal = settings.cleartext_smtp_login()
        if refusal:
            raise InsecureCredentialsError(refusal)
        self._settings = settings
        self._backoff = backoff or Backoff()
        self._timeout = timeout
        self._reuse = reuse_connection
        self._loop = asyncio.new_event_loop()
        self._client: aiosmtplib.SMTP | None = None
        self.connections_opened = 0

    def send(self, message: EmailMessage, *, sender: str, recipient: str, deadline: float | None = None,
             on_accepted: Callable[[], object] = lambda: None) -> Receipt:
        """``deadline``: a ``time.monotonic()`` instant by which the send ends, delivered or not."""
        data = wire_bytes(message)
        send = _Send(data, sender, recipient, on_accepted, deadline)
        return self._loop.run_until_complete(self._send(send))

    def close(self) -> None:
        if not self._loop.is_closed():
            self._loop.run_until_complete(self._disconnect())
            self._loop.close()

    async def _send(self, send: _Send) -> Receipt:
        waits = iter(self._backoff.delays())
        attempt = 0
        while True:
            attempt += 1
            try:
                return Receipt(self.name, attempt, await self._attempt(send))
            except SendError as error:
                wait = next(waits, None)
                if not isinstance(error, TransientSendError) or wait is None or wait >= send.remaining():
                    raise
            await asyncio.sleep(wait)

    async def _attempt(self, send: _Send) -> str:
        remaining = send.remaining()
        if remaining <= 0:
            raise TransientSendError(f"no time left to reach {self._where} before the deadline")
        try:
            return await asyncio.wait_for(self._transaction(send), timeout=remaining)
        except TimeoutError:
            await self._disconnect()
            if send.data_started:
                raise UncertainDeliveryError(
                    f"deadline reached while {self._where} held the message; delivery unknown") from None
            raise TransientSendError(f"{self._where} did not answer before the deadline") from None
        finally:
            if not self._reuse:
                await self._disconnect()

    async def _transaction(self, send: _Send) -> str:
        send.data_started = False
        try:
            client = await self._connected()
            await self._envelope(client, send)
            await self._accepted(send)
            send.data_started = True
            response = await client.data(send.data)
        except aiosmtplib.SMTPRecipientRefused as exc:
            await self._reset()
            raise _refused(exc.code, exc.message, address=_address_unknown(exc.message)) from None
        except aiosmtplib.SMTPResponseException as exc:
            in_session = isinstance(exc, aiosmtplib.SMTPSenderRefused | aiosmtplib.SMTPDataError)
            await (self._reset() if in_session else self._disconnect())
            raise _refused(exc.code, exc.message, address=False) from None
        except _NoStartTls as exc:  # ours to fix: never fall back to clear text
            await self._disconnect()
            raise PermanentSendError(str(exc), recipient_rejected=False) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self._disconnect()
            if send.data_started:
                raise UncertainDeliveryError(
                    f"SMTP connection to {self._where} lost during DATA; delivery unknown: {exc}") from None
            raise TransientSendError(f"SMTP connection to {self._where} failed: {exc}") from None
        return response.message

    async def _accepted(self, send: _Send) -> None:
        try:
            send.on_accepted()
        except BaseException:
            await self._reset()  # e.g. the claim was lost: the open transaction must not carry on
            raise

    @staticmethod
    async def _envelope(client: aiosmtplib.SMTP, send: _Send) -> None:
        if client.is_ehlo_or_helo_needed:
            await client.ehlo()
        await client.mail(send.sender)
        await client.rcpt(send.recipient)

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        settings = self._settings
        self._client = aiosmtplib.SMTP(hostname=settings.smtp_host, port=settings.smtp_port,
                                       use_tls=settings.smtp_tls == "implicit", start_tls=False,
                                       timeout=self._timeout)
        await self._client.connect()
        self.connections_opened += 1
        await self._secure(self._client)
        return self._client

    async def _secure(self, client: aiosmtplib.SMTP) -> None:
        """STARTTLS when required (or, towards loopback without credentials, when offered), then AUTH."""
        settings = self._settings
        credentials = bool(settings.smtp_password)
        await client.ehlo()
        if settings.smtp_tls == "starttls":
            if client.supports_extension("starttls"):
                await client.starttls()
            elif credentials or not _loopback(settings.smtp_host):
                raise _NoStartTls(f"{self._where} does not offer STARTTLS, which SmtpTls=starttls requires")
        if credentials:
            await client.login(settings.smtp_username or "", settings.smtp_password.reveal())

    async def _reset(self) -> None:
        """End a refused transaction so the kept connection can carry the next one."""
        client = self._client
        if client is not None and client.is_connected:
            try:
                await client.rset()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                await self._disconnect()

    async def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                await asyncio.wait_for(client.quit(), timeout=1.0)
            client.close()

    @property
    def _where(self) -> str:
        return f"{self._settings.smtp_host}:{self._settings.smtp_port}"


class _NoStartTls(Exception):
    """STARTTLS is required and the server does not offer it."""


class _Send:
    """One acknowledgement on its way: its bytes, envelope, deadline and how far it got."""

    def __init__(self, data: bytes, sender: str, recipient: str, on_accepted: Callable[[], object],
                 deadline: float | None) -> None:
        self.data, self.sender, self.recipient = data, sender, recipient
        self.on_accepted = on_accepted
        self.deadline = deadline
        self.data_started = False

    def remaining(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - time.monotonic()


def _address_unknown(text: str) -> bool:
    return bool(_ADDRESS_UNKNOWN.match(text))


def _loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refused(code: int, text: str, *, address: bool) -> SendError:
    reply = f"SMTP server answered {code} {text.strip()}"
    if 500 <= code < 600:
        return PermanentSendError(reply, recipient_rejected=address)
    return TransientSendError(reply)
