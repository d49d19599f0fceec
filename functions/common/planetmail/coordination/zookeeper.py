"""Coordination on the local stack: ``try_lead``'s lock node and versioned znodes under ``zk_root``.

A document ``name`` is the znode ``<zk_root>/<name>``; every write is a compare-and-set on the znode
version, so an instance that lost its session cannot overwrite what the new leader wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, KazooException, NoNodeError
from kazoo.handlers.threading import KazooTimeoutError

from planetmail.coordination.base import CoordinationUnavailable, DocumentMoved
from planetmail.coordination.client import zookeeper
from planetmail.coordination.leader import try_lead
from planetmail.settings import Settings


class ZooKeeperDocument:
    def __init__(self, client: KazooClient, path: str) -> None:
        self._client = client
        self.path = path
        self._version = -1

    def load(self) -> dict[str, Any] | None:
        try:
            data, stat = self._client.get(self.path)
        except NoNodeError:
            self._client.ensure_path(self.path)
            data, stat = self._client.get(self.path)
        self._version = stat.version
        return json.loads(data) if data else None

    def save(self, document: dict[str, Any]) -> None:
        try:
            stat = self._client.set(self.path, json.dumps(document).encode(), version=self._version)
        except BadVersionError:
            raise DocumentMoved(f"{self.path} was changed by another instance") from None
        self._version = stat.version


class ZooKeeperCoordinator:
    def __init__(self, client: KazooClient, root: str, identity: str) -> None:
        self._client = client
        self._root = root
        self._identity = identity

    def lead(self, job: str) -> Any:
        return try_lead(self._client, job, self._identity, root=self._root)

    def document(self, name: str) -> ZooKeeperDocument:
        return ZooKeeperDocument(self._client, f"{self._root}/{name}")


@contextmanager
def connected(settings: Settings, identity: str) -> Iterator[ZooKeeperCoordinator]:
    """A coordinator on a client of its own, closed at exit; CoordinationUnavailable when unreachable."""
    try:
        with zookeeper(settings) as client:
            yield ZooKeeperCoordinator(client, settings.zk_root, identity)
    except (KazooTimeoutError, KazooException) as exc:
        raise CoordinationUnavailable(f"ZooKeeper at {settings.zookeeper} is unreachable ({exc!r})") from None
