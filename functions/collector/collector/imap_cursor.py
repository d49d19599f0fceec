"""Where the IMAP poller is in the mailbox: UIDVALIDITY and the last UID handed off to Kafka.

Kept in a ZooKeeper node next to the poller's lock (``<zk_root>/imap/<mailbox>``): only the lock
holder writes it, every write is a compare-and-set on the node version (a poller that lost its
session cannot move the cursor under the new leader), and it needs no table of its own.
"""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import quote

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NoNodeError

from planetmail.settings import Settings


class CursorMoved(RuntimeError):
    """Another poller wrote the cursor since it was read: this one is no longer the leader."""


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


class CursorStore:
    def __init__(self, client: KazooClient, settings: Settings) -> None:
        where = f"{settings.imap_username}@{settings.imap_host}:{settings.imap_port}/{settings.imap_mailbox}"
        mailbox = quote(where, safe="@:.")
        self._client = client
        self.path = f"{settings.zk_root}/imap/{mailbox}"
        self._version = -1

    def load(self) -> Cursor:
        try:
            data, stat = self._client.get(self.path)
        except NoNodeError:
            self._client.ensure_path(self.path)
            data, stat = self._client.get(self.path)
        self._version = stat.version
        if not data:
            return Cursor()
        document = json.loads(data)
        return Cursor(int(document["uidvalidity"]), int(document["last_uid"]),
                      int(document.get("failing_uid", 0)), int(document.get("attempts", 0)))

    def save(self, cursor: Cursor) -> None:
        value = json.dumps(dataclasses.asdict(cursor)).encode()
        try:
            stat = self._client.set(self.path, value, version=self._version)
        except BadVersionError:
            raise CursorMoved(f"{self.path} was changed by another poller") from None
        self._version = stat.version
