"""The configuration document every backend stores: one PipelineConfig as JSON, and its errors."""

from __future__ import annotations

import dataclasses
from typing import Protocol

from pydantic import ValidationError

from planetmail.pipeline_config import PipelineConfig


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
    """The version to compare-and-set against; None when there is no document yet."""


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
