"""Where ``planetmail config`` reads and writes the live configuration: the store the stack's
functions read, chosen by the stack's target.

- ``local`` target: ZooKeeper ``<zk_root>/config``, compare-and-set on the znode version.
- ``aws`` target (``planetmail up --target aws``): the SSM parameter ``settings.config_parameter``
  on the stack's AWS endpoint, the one ``planetmail.config.ssm`` reads, in the same format.

The target is ``.planetmail/local.json``'s ``target`` (what ``planetmail up`` wrote);
``PLANETMAIL_CONFIG_SOURCE=ssm|zookeeper`` overrides it (the store, not the endpoint: that stays the
stack's, from local.json or ``AWS_ENDPOINT_URL``).
The stores themselves are the layer's (``planetmail.config.stores``, which the retrain function writes
through too); this module picks one and words their errors. SSM has no compare-and-set: a write checks
the version first and confirms after that it made the next one, so a concurrent edit is refused or, in
the instant between, reported.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from kazoo.handlers.threading import KazooTimeoutError

from planetmail import aws
from planetmail.config import StoredDocument, stores
from planetmail.config.stores import ConfigStore, ZooKeeperStore
from planetmail.config.zookeeper import config_path
from planetmail.coordination.client import zookeeper
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import ENV_CONFIG_SOURCE, Settings
from planetmail_local.cli.errors import UserError
from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.local_file import read_local_file

SOURCES_BY_TARGET = {"local": "zookeeper", "aws": "ssm"}
"""The configuration source the functions of each ``planetmail up --target`` read."""


def store_source(settings: Settings, environ: dict[str, str] | None = None) -> str:
    """``zookeeper`` or ``ssm``: the variable when set, else what the stack's target reads."""
    variable = (os.environ if environ is None else environ).get(ENV_CONFIG_SOURCE, "")
    if variable:
        if variable not in SOURCES_BY_TARGET.values():
            raise UserError(f"{ENV_CONFIG_SOURCE}={variable} cannot be edited (it is fixed at start); "
                            f"unset it or set it to one of {sorted(SOURCES_BY_TARGET.values())}")
        return variable
    target = str(read_local_file(StackConfig.from_settings(settings)).get("target", "local"))
    if target not in SOURCES_BY_TARGET:
        raise UserError(f"local.json names an unknown target {target!r}; run 'planetmail up' to rewrite it")
    return SOURCES_BY_TARGET[target]


@contextmanager
def opened(settings: Settings) -> Iterator[ConfigStore]:
    """The store the stack's functions read (see the module docstring), open for this block."""
    if store_source(settings) == "ssm":
        yield ParameterStore(aws.client("ssm", settings), settings.config_parameter,
                             settings.aws_endpoint_url or "AWS")
        return
    try:
        with zookeeper(settings) as client:
            yield ZooKeeperStore(client, config_path(settings))
    except KazooTimeoutError:
        raise UserError(f"ZooKeeper at {settings.zookeeper} is not reachable; "
                        "start the stack with 'planetmail up'") from None


class ParameterStore:
    """The SSM parameter; AWS errors become one-line UserErrors naming the parameter and endpoint."""

    def __init__(self, ssm: Any, name: str, endpoint: str) -> None:
        self._parameter = stores.ParameterStore(ssm, name)
        self.location = name
        self._endpoint = endpoint

    def read(self) -> StoredDocument:
        with self._answered("read"):
            return self._parameter.read()

    def write(self, config: PipelineConfig, expected_version: int | None) -> int:
        with self._answered("write"):
            version = self._parameter.write(config, expected_version)
        if expected_version is not None and version != expected_version + 1:
            raise UserError(f"version {version} of {self.location} is saved, but another edit was saved at "
                            "the same moment; look at 'planetmail config get' and apply your change again "
                            "if it is gone")
        return version

    @contextmanager
    def _answered(self, action: str) -> Iterator[None]:
        try:
            yield
        except ClientError as exc:
            raise UserError(f"cannot {action} SSM parameter {self.location} ({stores.aws_error_code(exc)}: "
                            f"{exc.response['Error'].get('Message', '')}); check its name "
                            "(PLANETMAIL_CONFIG_PARAMETER) and your permissions") from None
        except BotoCoreError as exc:
            raise UserError(f"the AWS endpoint {self._endpoint} is not reachable ({exc}); "
                            "start the stack with 'planetmail up --target aws'") from None

