"""SMTP through aiosmtplib: one connection per worker, kept open and reused between acknowledgements.

The handler is synchronous (Lambda), so the transport owns a private event loop that lives as long as
the worker and with it the connection. 4xx replies, timeouts and disconnects are retried with a
bounded backoff (reconnecting when needed); 5xx replies are permanent and never retried.
"""

from __future__ import annotations

import asyncio
import contextlib
from email import policy
from email.message import EmailMessage

import aiosmtplib

from planetmail.settings import Settings
from responder.senders import PermanentSendError, Receipt, SendError, TransientSendError
from responder.senders.backoff import Backoff

_MAILBOX_CODES = frozenset({550, 551, 552, 553})


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
        self._settings = settings
        self._backoff = backoff or Backoff()
        self._timeout = timeout
        self._reuse = reuse_connection
        self._loop = asyncio.new_event_loop()
        self._client: aiosmtplib.SMTP | None = None
        self.connections_opened = 0

    def send(self, message: EmailMessage, *, sender: str, recipient: str) -> Receipt:
        data = message.as_bytes(policy=policy.SMTP)
        return self._loop.run_until_complete(self._send(data, sender, recipient))

    def close(self) -> None:
        if not self._loop.is_closed():
            self._loop.run_until_complete(self._disconnect())
            self._loop.close()

    async def _send(self, data: bytes, sender: str, recipient: str) -> Receipt:
        waits = iter(self._backoff.delays())
        attempt = 0
        while True:
            attempt += 1
            try:
                return Receipt(self.name, attempt, await self._send_once(data, sender, recipient))
            except SendError as error:
                wait = next(waits, None)
                if isinstance(error, PermanentSendError) or wait is None:
                    raise
            await asyncio.sleep(wait)

    async def _send_once(self, data: bytes, sender: str, recipient: str) -> str:
        try:
            client = await self._connected()
            _, response = await client.sendmail(sender, [recipient], data)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refusal = exc.recipients[0]
            raise _refused(refusal.code, refusal.message, recipient_rejected=True) from None
        except aiosmtplib.SMTPResponseException as exc:
            mailbox = isinstance(exc, aiosmtplib.SMTPDataError) and exc.code in _MAILBOX_CODES
            if isinstance(exc, aiosmtplib.SMTPConnectError):
                await self._disconnect()
            raise _refused(exc.code, exc.message, recipient_rejected=mailbox) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self._disconnect()
            raise TransientSendError(f"SMTP connection to {self._where} failed: {exc}") from None
        finally:
            if not self._reuse:
                await self._disconnect()
        return response

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        tls = self._settings.smtp_tls
        password = self._settings.smtp_password.reveal() if self._settings.smtp_password else None
        self._client = aiosmtplib.SMTP(
            hostname=self._settings.smtp_host,
            port=self._settings.smtp_port,
            use_tls=tls == "implicit",
            start_tls=tls == "starttls",
            username=self._settings.smtp_username,
            password=password,
            timeout=self._timeout,
        )
        await self._client.connect()
        self.connections_opened += 1
        return self._client

    async def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                await client.quit()
            client.close()

    @property
    def _where(self) -> str:
        return f"{self._settings.smtp_host}:{self._settings.smtp_port}"


def _refused(code: int, text: str, *, recipient_rejected: bool) -> SendError:
    reply = f"SMTP server answered {code} {text.strip()}"
    if 500 <= code < 600:
        return PermanentSendError(reply, recipient_rejected=recipient_rejected)
    return TransientSendError(reply)
