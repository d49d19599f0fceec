"""The ``environment`` backend: ``PLANETMAIL_CONFIG`` (or the defaults), fixed for the process."""

from __future__ import annotations

from planetmail.config.document import ConfigDocumentError, parse_document
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import ENV_CONFIG_DOCUMENT, Settings, SettingsError


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
