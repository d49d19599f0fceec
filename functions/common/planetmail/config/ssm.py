"""The ``ssm`` backend (AWS, where no ZooKeeper is reachable): one SSM Parameter Store parameter.

The functions only read it; ``planetmail config`` writes it on the local stack's aws target, and
``aws ssm put-parameter --overwrite`` on AWS.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from planetmail.config.document import ConfigDocumentError, VersionedConfig, parse_document
from planetmail.pipeline_config import PipelineConfig

log = logging.getLogger(__name__)


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
