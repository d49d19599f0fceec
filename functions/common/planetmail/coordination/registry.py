"""Service registry: every running instance owns an ephemeral node under ``<root>/registry``.

    with register(client, settings.zk_root, "emulator", "emulator-3000",
                  functions=("ProcessorFunction",), mappings=("mail.received",)):
        serve()                               # the node lives as long as this ZooKeeper session

    registered(client, settings.zk_root)      # [RegistryEntry(kind, instance, host, pid, ...)]
    watch_registry(client, settings.zk_root, "emulator", on_change)   # on_change(joined, left)

A node is ``<root>/registry/<kind>/<instance>`` holding a JSON ``RegistryEntry``. It disappears when
its owner closes it or when the owner's session expires (the process died or lost ZooKeeper for
longer than the session timeout). The owner's heartbeat thread rewrites ``heartbeat`` every
``interval`` seconds and re-creates the node after a session expiry, so a registration survives
ZooKeeper outages; ``RegistryEntry.age`` shows a hung process whose session is still alive.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException, NodeExistsError, NoNodeError
from kazoo.handlers.threading import KazooTimeoutError
from pydantic import BaseModel, ConfigDict, ValidationError

from planetmail.inbound import utcnow

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 5.0


class RegistryEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: str
    instance: str
    host: str
    pid: int
    functions: tuple[str, ...] = ()
    mappings: tuple[str, ...] = ()
    started: datetime
    heartbeat: datetime

    def age(self, now: datetime | None = None) -> float:
        """Seconds since the last heartbeat."""
        return ((now or utcnow()) - self.heartbeat).total_seconds()


def registry_path(root: str, kind: str | None = None) -> str:
    return f"{root}/registry" if kind is None else f"{root}/registry/{kind}"


class Registration:
    """This process's node; ``close()`` (or leaving the ``with`` block) removes it at once."""

    def __init__(self, client: KazooClient, root: str, entry: RegistryEntry,
                 interval: float = HEARTBEAT_INTERVAL) -> None:
        self._client = client
        self.entry = entry
        self.path = f"{registry_path(root, entry.kind)}/{entry.instance}"
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"registry-{entry.instance}", daemon=True)

    def __enter__(self) -> Registration:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def start(self) -> Registration:
        self._publish()
        self._thread.start()
        return self

    def heartbeat(self) -> None:
        """Rewrite the node with a fresh heartbeat (re-creating it after a session expiry)."""
        self.entry = self.entry.model_copy(update={"heartbeat": utcnow()})
        self._publish()

    def close(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._interval + 1)
        if self._client.connected:
            self._remove()
        else:  # kazoo calls wait for a reconnection; don't make the caller wait for it
            self._client.handler.spawn(self._remove)

    def _remove(self) -> None:
        try:
            stat = self._client.exists(self.path)
            if stat is not None and self._owns(stat):
                self._client.delete(self.path, version=stat.version)
        except (KazooException, KazooTimeoutError):
            pass  # already gone, or the session ended and took the node with it

    def _publish(self) -> None:
        data = self.entry.model_dump_json().encode()
        stat = self._client.exists(self.path)
        if stat is None:
            try:
                self._client.create(self.path, data, ephemeral=True, makepath=True)
            except NodeExistsError:
                log.warning("registry node %s appeared while registering; retrying", self.path)
        elif self._owns(stat):
            self._client.set(self.path, data, version=stat.version)
        else:
            # Another live session holds the name (or ours from before a restart, until it expires).
            log.warning("registry node %s belongs to another session; retrying", self.path)

    def _owns(self, stat: Any) -> bool:
        session = self._client.client_id
        return session is not None and stat.ephemeralOwner == session[0]

    def _beat(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self.heartbeat()
            except (KazooException, KazooTimeoutError) as exc:
                log.warning("registry heartbeat for %s failed (%s); retrying", self.path, exc)


def register(client: KazooClient, root: str, kind: str, instance: str, *,
             functions: Iterable[str] = (), mappings: Iterable[str] = (),
             interval: float = HEARTBEAT_INTERVAL) -> Registration:
    """Create this process's node and start its heartbeat; close the result to deregister."""
    now = utcnow()
    entry = RegistryEntry(kind=kind, instance=instance, host=socket.gethostname(), pid=os.getpid(),
                          functions=tuple(functions), mappings=tuple(mappings), started=now, heartbeat=now)
    return Registration(client, root, entry, interval).start()


def registered(client: KazooClient, root: str, kind: str | None = None) -> list[RegistryEntry]:
    """Every live registration (of one kind, or of all kinds), sorted by kind and instance."""
    kinds = [kind] if kind is not None else _children(client, registry_path(root))
    entries = []
    for each in sorted(kinds):
        for instance in sorted(_children(client, registry_path(root, each))):
            entry = _read(client, f"{registry_path(root, each)}/{instance}")
            if entry is not None:
                entries.append(entry)
    return entries


def watch_registry(client: KazooClient, root: str, kind: str,
                   on_change: Callable[[set[str], set[str]], None]) -> None:
    """Call ``on_change(joined, left)`` with instance names whenever instances of ``kind`` come or go.

    The first call reports every instance already registered as joined. Watching continues for the
    life of the client, across reconnections.
    """
    known: set[str] = set()

    def changed(children: list[str]) -> None:
        current = set(children)
        joined, left = current - known, known - current
        known.clear()
        known.update(current)
        if joined or left:
            on_change(joined, left)

    path = registry_path(root, kind)
    client.ensure_path(path)
    client.ChildrenWatch(path, changed)


def _children(client: KazooClient, path: str) -> list[str]:
    try:
        return list(client.get_children(path))
    except NoNodeError:
        return []


def _read(client: KazooClient, path: str) -> RegistryEntry | None:
    try:
        raw, _ = client.get(path)
        return RegistryEntry.model_validate_json(raw)
    except NoNodeError:
        return None  # deregistered while we listed
    except ValidationError:
        log.warning("registry node %s holds no registry entry; ignored", path)
        return None
