"""What a processor worker builds once and keeps warm: settings, producer, reporter, the model.

The configuration is read through a callable on every batch, so a live source (ZooKeeper watch
with last-known-good) can change thresholds, routing or the model version between batches.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aws_lambda_powertools import Logger

from planetmail.events import LifecycleReporter
from planetmail.kafka import make_producer
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail.status import StatusStore
from processor import artifact, model_store
from processor.classifier import Classifier
from processor.language import warm_up
from processor.outputs import Outputs

ConfigSource = Callable[[], PipelineConfig]

logger = Logger(service="processor")


class Models:
    """The classifier for the configured model version, loaded once and swapped when it changes."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._current: tuple[str, Classifier] | None = None

    def classifier(self, version: str = "") -> Classifier:
        if self._current is None or self._current[0] != version:
            self._current = (version, Classifier(artifact.load(self._resolve(version))))
            warm_up()
        return self._current[1]

    def _resolve(self, version: str) -> Path:
        try:
            return model_store.locate(self._settings, version)
        except artifact.ModelNotFoundError:
            if not version:
                raise
            logger.error("configured model version is not installed; using the latest build",
                         extra={"model_version": version})
            return model_store.locate(self._settings)


class Runtime:
    def __init__(self, settings: Settings, config: ConfigSource = PipelineConfig) -> None:
        self.settings = settings
        self.config = config
        self.models = Models(settings)
        self._producer = make_producer(settings)
        reporter = LifecycleReporter(settings, self._producer, StatusStore(settings), defer_rows=True)
        self.outputs = Outputs(settings, self._producer, reporter)

    def close(self) -> None:
        self._producer.close()
