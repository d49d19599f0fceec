"""The ``zookeeper`` backend (the local stack): the znode ``<zk_root>/config``, watched.

Imported only when ``settings.config_source`` is ``zookeeper`` (``planetmail.config.config_source``):
kazoo is local tooling and no deployed package installs it. Writers (``planetmail config`` on the
local target) use ``read_document`` / ``write_document``: compare-and-set on the znode version, so
two concurrent edits cannot overwrite each other.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NodeExistsError, NoNodeError

from planetmail.config.document import (
    ConfigConflictError,
    ConfigDocumentError,
    StoredDocument,
    VersionedConfig,
    parse_document,
    render_document,
)
from planetmail.coordination.client import new_client
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings

log = logging.getLogger(__name__)

FIRST_LOAD_WAIT = 2.0
"""Seconds a new ZooKeeper source waits for the stored document before serving defaults."""


def config_path(settings: Settings) -> str:
    return f"{settings.zk_root}/config"


def read_document(client: KazooClient, path: str) -> StoredDocument:
    try:
        raw, stat = client.get(path)
    except NoNodeError:
        return StoredDocument(b"", None)
    return StoredDocument(raw or b"", stat.version)


def write_document(client: KazooClient, path: str, config: PipelineConfig,
                   expected_version: int | None) -> int:
    """Store ``config`` if the node is still at ``expected_version``; return the new version."""
    raw = render_document(config)
    try:
        if expected_version is None:
            client.create(path, raw, makepath=True)
            return 0
        return int(client.set(path, raw, version=expected_version).version)
    except (BadVersionError, NodeExistsError, NoNodeError):
        raise ConfigConflictError(path) from None


class ZooKeeperConfigSource:
    """Watches one znode and keeps the last document that validated."""

    def __init__(self, client: KazooClient, path: str, *, owns_client: bool = False) -> None:
        self._client = client
        self._path = path
        self._owns_client = owns_client
        self._applied = VersionedConfig(PipelineConfig(), None)
        self._loaded = threading.Event()
        self._closed = False
        # kazoo's DataWatch blocks until connected; the first read must not block the caller.
        client.handler.spawn(lambda: client.DataWatch(path, self._on_document))

    @classmethod
    def connect(cls, settings: Settings, wait: float = FIRST_LOAD_WAIT) -> ZooKeeperConfigSource:
        """A source with a client of its own; waits up to ``wait`` seconds for the stored document."""
        client = new_client(settings)
        client.start_async()
        source = cls(client, config_path(settings), owns_client=True)
        if not source.wait_loaded(wait):
            log.warning("no configuration from ZooKeeper at %s yet; serving defaults until it answers",
                        settings.zookeeper)
        return source

    def current(self) -> PipelineConfig:
        return self._applied.config

    @property
    def version(self) -> int | None:
        return self._applied.version

    def wait_loaded(self, timeout: float) -> bool:
        """True once ZooKeeper has answered (with a document or with none)."""
        return self._loaded.wait(timeout)

    def close(self) -> None:
        self._closed = True
        if self._owns_client:
            self._client.stop()
            self._client.close()

    def _on_document(self, raw: bytes | None, stat: Any) -> bool:
        if self._closed:
            return False
        if raw:
            self._apply(raw, stat.version)
        elif self._applied.version is not None:
            log.warning("configuration node %s is gone or empty; keeping version %s",
                        self._path, self._applied.version)
        self._loaded.set()
        return True

    def _apply(self, raw: bytes, version: int) -> None:
        try:
            config = parse_document(raw)
        except ConfigDocumentError as exc:
            log.error("configuration version %s rejected (%s); keeping version %s",
                      version, exc, self._applied.version)
            return
        self._applied = VersionedConfig(config, version)
        log.info("configuration version %s applied", version)
