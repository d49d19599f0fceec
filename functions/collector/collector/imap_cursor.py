"""Where the IMAP poller is in the mailbox: UIDVALIDITY and the last UID handed off to Kafka.

Kept as the coordinator's versioned document ``imap/<mailbox>`` next to the poller's lease (a znode
locally, a DynamoDB item on AWS): only the leader writes it, every write is a compare-and-set on the
version it read, so a poller that lost its leadership cannot move the cursor under the new leader.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import quote

from planetmail.coordination.base import DocumentMoved, VersionedDocument
from planetmail.settings import Settings

CursorMoved = DocumentMoved
"""Another poller wrote the cursor since it was read: this one is no longer the leader."""


@dataclasses.dataclass(frozen=True)
class Cursor:
    uidvalidity: int = 0
    last_uid: int = 0

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
        return Cursor(int(document["uidvalidity"]), int(document["last_uid"]))

    def save(self, cursor: Cursor) -> None:
        self._document.save(dataclasses.asdict(cursor))
