"""Where the IMAP poller is in the mailbox: UIDVALIDITY and the last UID handed off to Kafka.

Kept as the coordinator's versioned document ``imap/<mailbox>`` next to the poller's lease (a znode
locally, a DynamoDB item on AWS): only the leader writes it, every write is a compare-and-set on the
version it read, so a poller that lost its leadership cannot move the cursor under the new leader
(``planetmail.coordination.base.DocumentMoved``).
"""

from __future__ import annotations

import dataclasses
from urllib.parse import quote

from planetmail.coordination.base import VersionedDocument
from planetmail.settings import Settings


@dataclasses.dataclass(frozen=True)
class Cursor:
    uidvalidity: int = 0
    last_uid: int = 0
    failing_uid: int = 0
    """The UID after ``last_uid`` that failed unexpectedly, and how often in a row (poison counting)."""
    attempts: int = 0

    def passed(self, uid: int) -> Cursor:
        return Cursor(self.uidvalidity, uid)

    def failed(self, uid: int) -> Cursor:
        attempts = self.attempts + 1 if uid == self.failing_uid else 1
        return dataclasses.replace(self, failing_uid=uid, attempts=attempts)

    def for_mailbox(self, uidvalidity: int) -> Cursor:
        """A changed UIDVALIDITY invalidates every UID: start again from the beginning (dedupe
        on Message-ID keeps already collected messages from producing second records)."""
        return self if uidvalidity == self.uidvalidity else Cursor(uidvalidity, 0)


def cursor_name(settings: Settings) -> str:
    """``imap/<user>@<host>:<port>/<mailbox>`` (quoted): one cursor per mailbox polled."""
    where = f"{settings.imap_username}@{settings.imap_host}:{settings.imap_port}/{settings.imap_mailbox}"
    return f"imap/{quote(where, safe='@:.')}"


class CursorStore:
    def __init__(self, document: VersionedDocument) -> None:
        self._document = document

    def load(self) -> Cursor:
        document = self._document.load()
        if document is None:
            return Cursor()
        return Cursor(int(document["uidvalidity"]), int(document["last_uid"]),
                      int(document.get("failing_uid", 0)), int(document.get("attempts", 0)))

    def save(self, cursor: Cursor) -> None:
        self._document.save(dataclasses.asdict(cursor))
