"""The live pipeline configuration: one interface, three backends, one module each.

    from planetmail.config import config_source

    source = config_source(settings)   # once per worker (cold start)
    config = source.current()          # a PipelineConfig; cheap, never raises: call it per batch
    source.close()                     # at shutdown

Code that wants a ``Callable[[], PipelineConfig]`` gets ``source.current``.
``settings.config_source`` picks the backend:

- ``zookeeper`` (the local stack; ``planetmail.config.zookeeper``): watches ``<zk_root>/config``; a
  change applies within a second, without a restart. While ZooKeeper is unreachable, or when a document
  that fails validation is written, the source keeps serving the last known good configuration
  (defaults until one arrives). Its module is imported only when this backend is chosen: kazoo is
  local tooling (the ``local`` extra) and no deployed package installs it.
- ``environment`` (``planetmail.config.environment``): the JSON document in ``PLANETMAIL_CONFIG``
  (defaults when unset), fixed for the life of the process; a bad document fails fast at start.
- ``ssm`` (AWS, where no ZooKeeper is reachable; ``planetmail.config.ssm``): the SSM parameter
  ``PLANETMAIL_CONFIG_PARAMETER``, re-read at most every ``PLANETMAIL_CONFIG_REFRESH_SECONDS`` when
  ``current()`` is called (no background thread, so a frozen Lambda sandbox is fine);
  ``PLANETMAIL_CONFIG`` or the defaults serve until the parameter is readable, and the last good
  version serves after that.

The document format (``planetmail.config.document``) is the same in every backend. Writers
(``planetmail config``) follow the stack's target: ZooKeeper's ``read_document`` / ``write_document``
(compare-and-set on the znode version) or the SSM parameter.
"""

from __future__ import annotations

from planetmail import aws
from planetmail.config.document import (
    ConfigConflictError,
    ConfigDocumentError,
    ConfigSource,
    StoredDocument,
    VersionedConfig,
    describe_errors,
    parse_document,
    render_document,
)
from planetmail.config.environment import StaticConfigSource, environment_config
from planetmail.config.ssm import ParameterStoreConfigSource
from planetmail.settings import Settings

__all__ = [
    "ConfigConflictError",
    "ConfigDocumentError",
    "ConfigSource",
    "ParameterStoreConfigSource",
    "StaticConfigSource",
    "StoredDocument",
    "VersionedConfig",
    "config_source",
    "describe_errors",
    "environment_config",
    "parse_document",
    "render_document",
]


def config_source(settings: Settings) -> ConfigSource:
    """The backend ``settings.config_source`` names (see the module docstring)."""
    if settings.config_source == "zookeeper":
        from planetmail.config.zookeeper import ZooKeeperConfigSource

        return ZooKeeperConfigSource.connect(settings)
    fallback = environment_config(settings)
    if settings.config_source == "environment":
        return StaticConfigSource(fallback)
    return ParameterStoreConfigSource(aws.client("ssm", settings), settings.config_parameter,
                                      refresh_seconds=settings.config_refresh_seconds, fallback=fallback)
