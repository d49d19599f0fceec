"""The IMAP mailbox, read by UID without side effects: BODY.PEEK[] never sets \\Seen, that is
done explicitly once the message is durable."""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from planetmail.settings import Settings

IMAP_TIMEOUT_SECONDS = 15.0


class MailboxError(RuntimeError):
    """The IMAP server refused a command; the message names the command and the server's answer."""


class Mailbox:
    def __init__(self, connection: imaplib.IMAP4, uidvalidity: int) -> None:
        self._imap = connection
        self.uidvalidity = uidvalidity

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above ``last_uid``, ascending (``n:*`` also matches the highest UID, hence the filter)."""
        data = self._ok("UID SEARCH", self._imap.uid("SEARCH", "UID", f"{last_uid + 1}:*"))
        words = b" ".join(item for item in data if isinstance(item, bytes)).split()
        return sorted(uid for uid in (int(word) for word in words) if uid > last_uid)

    def fetch(self, uid: int) -> bytes | None:
        """The message bytes, or None when it was expunged meanwhile."""
        data = self._ok("UID FETCH", self._imap.uid("FETCH", str(uid), "(BODY.PEEK[])"))
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return bytes(item[1])
        return None

    def flag(self, uid: int, flag: str) -> None:
        self._ok("UID STORE", self._imap.uid("STORE", str(uid), "+FLAGS", f"({flag})"))

    def copy(self, uid: int, folder: str) -> None:
        """Copy the message into ``folder``, creating the folder the first time."""
        status, data = self._imap.uid("COPY", str(uid), folder)
        if status != "OK" and b"TRYCREATE" in b" ".join(item for item in data if isinstance(item, bytes)):
            self._ok("CREATE", self._imap.create(folder))
            status, data = self._imap.uid("COPY", str(uid), folder)
        self._ok("UID COPY", (status, data))

    @staticmethod
    def _ok(command: str, response: tuple[str, list[object]]) -> list[object]:
        status, data = response
        if status != "OK":
            raise MailboxError(f"{command} failed: {status} {data!r}")
        return [item for item in data if item is not None]


@contextmanager
def open_mailbox(settings: Settings) -> Iterator[Mailbox]:
    if not settings.imap_host:
        raise MailboxError("no IMAP host configured; set PLANETMAIL_IMAP_HOST")
    connection = _connect(settings)
    try:
        connection.login(settings.imap_username or "", settings.imap_password.reveal())
        status, _ = connection.select(settings.imap_mailbox)
        if status != "OK":
            raise MailboxError(f"cannot select mailbox {settings.imap_mailbox!r}")
        yield Mailbox(connection, _uidvalidity(connection))
    except imaplib.IMAP4.error as exc:
        raise MailboxError(f"IMAP {settings.imap_host}:{settings.imap_port}: {exc}") from None
    finally:
        with suppress(imaplib.IMAP4.error, OSError):
            connection.logout()


def _connect(settings: Settings) -> imaplib.IMAP4:
    host, port = settings.imap_host or "", settings.imap_port
    if settings.imap_tls:
        context = ssl.create_default_context()
        return imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=IMAP_TIMEOUT_SECONDS)
    return imaplib.IMAP4(host, port, timeout=IMAP_TIMEOUT_SECONDS)


def _uidvalidity(connection: imaplib.IMAP4) -> int:
    _, data = connection.response("UIDVALIDITY")
    for item in data:
        if isinstance(item, bytes) and item.strip().isdigit():
            return int(item)
    raise MailboxError("the server reported no UIDVALIDITY when selecting the mailbox")
