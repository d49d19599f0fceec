"""The live pipeline configuration: one interface, three backends.

    from planetmail.config import config_source

    source = config_source(settings)   # once per worker (cold start)
    config = source.current()          # a PipelineConfig; cheap, never raises: call it per batch
    source.close()                     # at shutdown

Code that wants a ``Callable[[], PipelineConfig]`` gets ``source.current``.
``settings.config_source`` picks the backend:

- ``zookeeper`` (the local stack): watches ``<zk_root>/config``; a change applies within a second,
  without a restart. While ZooKeeper is unreachable, or when a document that fails validation is
  written, the source keeps serving the last known good configuration (defaults until one arrives).
- ``environment``: the JSON document in ``PLANETMAIL_CONFIG`` (defaults when unset), fixed for the
  life of the process; a bad document fails fast at start.
- ``ssm`` (AWS, where no ZooKeeper is reachable): the SSM parameter ``PLANETMAIL_CONFIG_PARAMETER``,
  re-read at most every ``PLANETMAIL_CONFIG_REFRESH_SECONDS`` when ``current()`` is called (no
  background thread, so a frozen Lambda sandbox is fine); ``PLANETMAIL_CONFIG`` or the defaults
  serve until the parameter is readable, and the last good version serves after that.

Writers (``planetmail config``) use ``read_document`` / ``write_document``: compare-and-set on the
znode version, so two concurrent edits cannot overwrite each other.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NodeExistsError, NoNodeError
from pydantic import ValidationError

from planetmail import aws
from planetmail.coordination.client import new_client
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import ENV_CONFIG_DOCUMENT, Settings, SettingsError

log = logging.getLogger(__name__)

FIRST_LOAD_WAIT = 2.0
"""Seconds a new ZooKeeper source waits for the stored document before serving defaults."""


class ConfigSource(Protocol):
    def current(self) -> PipelineConfig: ...

    def close(self) -> None: ...


class ConfigDocumentError(ValueError):
    """A document is not JSON or does not match PipelineConfig; the message names the fields."""


class ConfigConflictError(Exception):
    """The stored document changed since it was read (compare-and-set failed)."""


@dataclasses.dataclass(frozen=True)
class VersionedConfig:
    config: PipelineConfig
    version: int | None
    """The znode (or SSM parameter) version it came from; None for defaults or a fallback."""


@dataclasses.dataclass(frozen=True)
class StoredDocument:
    raw: bytes
    """The stored bytes as written; empty when there is no document yet."""
    version: int | None
    """The znode version to compare-and-set against; None when the node does not exist."""


def parse_document(raw: bytes | str) -> PipelineConfig:
    try:
        return PipelineConfig.model_validate_json(raw)
    except ValidationError as exc:
        raise ConfigDocumentError(describe_errors(exc)) from None


def describe_errors(error: ValidationError) -> str:
    """Pydantic's errors on one line: ``reply_policy.per_recipient_cap: Input should be ...``."""
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "document"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def render_document(config: PipelineConfig) -> bytes:
    return config.model_dump_json(indent=2).encode()


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


class StaticConfigSource:
    """One configuration for the life of the process: the environment backend (and tests)."""

    def __init__(self, config: PipelineConfig) -> None:
        self._config = config

    def current(self) -> PipelineConfig:
        return self._config

    def close(self) -> None:
        pass


def environment_config(settings: Settings) -> PipelineConfig:
    """``PLANETMAIL_CONFIG`` parsed and validated, or the defaults; a bad document fails fast."""
    if not settings.config_document:
        return PipelineConfig()
    try:
        return parse_document(settings.config_document)
    except ConfigDocumentError as exc:
        raise SettingsError(f"{ENV_CONFIG_DOCUMENT} is not a valid pipeline configuration ({exc}); "
                            "fix the document or unset the variable") from None


class ParameterStoreConfigSource:
    """An SSM parameter read lazily every ``refresh_seconds``, keeping the last good version."""

    def __init__(self, ssm: Any, name: str, *, refresh_seconds: float, fallback: PipelineConfig,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ssm = ssm
        self._name = name
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._applied = VersionedConfig(fallback, None)
        self._rejected: int | None = None
        self._next_read = clock()

    def current(self) -> PipelineConfig:
        now = self._clock()
        if now >= self._next_read:
            self._next_read = now + self._refresh_seconds
            self._refresh()
        return self._applied.config

    @property
    def version(self) -> int | None:
        return self._applied.version

    def close(self) -> None:
        pass

    def _refresh(self) -> None:
        try:
            parameter = self._ssm.get_parameter(Name=self._name, WithDecryption=True)["Parameter"]
        except (ClientError, BotoCoreError) as exc:
            log.warning("SSM parameter %s unreadable (%s); keeping version %s",
                        self._name, exc, self._applied.version)
            return
        version = int(parameter["Version"])
        if version in (self._applied.version, self._rejected):
            return
        try:
            self._applied = VersionedConfig(parse_document(parameter["Value"]), version)
        except ConfigDocumentError as exc:
            self._rejected = version
            log.error("SSM parameter %s version %s rejected (%s); keeping version %s",
                      self._name, version, exc, self._applied.version)


def config_source(settings: Settings) -> ConfigSource:
    """The backend ``settings.config_source`` names (see the module docstring)."""
    if settings.config_source == "zookeeper":
        return ZooKeeperConfigSource.connect(settings)
    fallback = environment_config(settings)
    if settings.config_source == "environment":
        return StaticConfigSource(fallback)
    return ParameterStoreConfigSource(aws.client("ssm", settings), settings.config_parameter,
                                      refresh_seconds=settings.config_refresh_seconds, fallback=fallback)
