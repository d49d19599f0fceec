"""Writing the live configuration where the functions read it: ZooKeeper ``<zk_root>/config`` (local
target) or the SSM parameter (AWS), both compare-and-set on the stored version.

``planetmail config`` (the laptop's CLI, which words the errors) and the scheduled retrain function
(which promotes a model by setting ``model_version``) both write through these. Every change is then
announced on ``mail.events`` as ``config_changed_event`` describes.

SSM has no compare-and-set: ``ParameterStore.write`` checks the version first and the caller can see from
the returned version whether another write slipped in between (it is then not ``expected + 1``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

from botocore.exceptions import ClientError

from planetmail import aws
from planetmail.config.document import ConfigConflictError, StoredDocument, parse_document, render_document
from planetmail.lifecycle import LifecycleEvent
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings

CONFLICT_RETRIES = 5


class FixedConfigError(RuntimeError):
    """The functions read a configuration fixed at start (``environment``): there is nothing to write."""


class ConfigStore(Protocol):
    location: str
    """Where the document lives, for messages and the change announcement."""

    def read(self) -> StoredDocument: ...

    def write(self, config: PipelineConfig, expected_version: int | None) -> int:
        """Store ``config`` if the stored version is still ``expected_version`` (None: no document);
        the new version, or ConfigConflictError."""


class ZooKeeperStore:
    """``client``: a connected KazooClient (kazoo is imported only by the ZooKeeper backends)."""

    def __init__(self, client: Any, path: str) -> None:
        self._client = client
        self.location = path

    def read(self) -> StoredDocument:
        from planetmail.config.zookeeper import read_document

        return read_document(self._client, self.location)

    def write(self, config: PipelineConfig, expected_version: int | None) -> int:
        from planetmail.config.zookeeper import write_document

        return write_document(self._client, self.location, config, expected_version)


class ParameterStore:
    """The SSM parameter ``planetmail.config.ssm`` reads; AWS errors propagate (ClientError...)."""

    def __init__(self, ssm: Any, name: str) -> None:
        self._ssm = ssm
        self.location = name

    def read(self) -> StoredDocument:
        try:
            parameter = self._ssm.get_parameter(Name=self.location, WithDecryption=True)["Parameter"]
        except ClientError as exc:
            if aws_error_code(exc) != "ParameterNotFound":
                raise
            return StoredDocument(b"", None)
        return StoredDocument(str(parameter["Value"]).encode(), int(parameter["Version"]))

    def write(self, config: PipelineConfig, expected_version: int | None) -> int:
        if self.read().version != expected_version:
            raise ConfigConflictError(self.location)
        try:
            return int(self._ssm.put_parameter(
                Name=self.location, Value=render_document(config).decode(), Type="String",
                Overwrite=expected_version is not None)["Version"])
        except ClientError as exc:
            if aws_error_code(exc) != "ParameterAlreadyExists":
                raise
            raise ConfigConflictError(self.location) from None


@contextmanager
def opened_store(settings: Settings, source: str | None = None) -> Iterator[ConfigStore]:
    """The store of ``source`` (default ``settings.config_source``), open for this block."""
    chosen = source or settings.config_source
    if chosen == "environment":
        raise FixedConfigError("the configuration source is 'environment' (PLANETMAIL_CONFIG, fixed at "
                               "start); it cannot be changed while running: use zookeeper or ssm")
    if chosen == "ssm":
        yield ParameterStore(aws.client("ssm", settings), settings.config_parameter)
        return
    from planetmail.config.zookeeper import config_path
    from planetmail.coordination.client import zookeeper

    with zookeeper(settings) as client:
        yield ZooKeeperStore(client, config_path(settings))


def set_values(store: ConfigStore, values: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
    """Set top-level ``values`` in the stored document (defaults when there is none), retrying a
    concurrent change; (the new version, the values that changed with their old ones)."""
    for _ in range(CONFLICT_RETRIES):
        stored = store.read()
        document = json.loads(stored.raw) if stored.raw else PipelineConfig().model_dump(mode="json")
        before = {key: document.get(key) for key in values}
        try:
            return store.write(parse_document(json.dumps({**document, **values})), stored.version), before
        except ConfigConflictError:
            continue
    raise ConfigConflictError(store.location)


def config_changed_event(version: int, location: str, changes: Mapping[str, Any], by: str,
                         note: str = "") -> LifecycleEvent:
    """What ``mail.events`` carries for a configuration change (the dashboard lists them)."""
    return LifecycleEvent(id=f"config-v{version}", stage="config", state="config_changed",
                          detail={"version": version, "path": location, "changes": dict(changes),
                                  "by": by, **({"note": note} if note else {})})


def aws_error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
