"""ProcessorFunction: Kafka event source on ``mail.received`` (MSK or self-managed Kafka).

Thin edge: the event becomes typed messages, ``triage.process_batch`` does the work, and the
answer is a ReportBatchItemFailures response. The worker's runtime (producer, model) is built on the
first invocation and reused while the worker is warm.
"""

from __future__ import annotations

from typing import Any

from planetmail.config import config_source
from planetmail.kafka_event import batch_response, kafka_messages
from planetmail.metrics import pipeline_metrics
from planetmail.settings import Settings
from processor.runtime import Runtime
from processor.triage import process_batch

_runtime: Runtime | None = None


def runtime() -> Runtime:
    global _runtime  # noqa: PLW0603 - one runtime per warm worker, built lazily
    if _runtime is None:
        settings = Settings.load()
        _runtime = Runtime(settings, config=config_source(settings).current)
    return _runtime


def use_runtime(replacement: Runtime | None) -> None:
    """Install a runtime (tests, the emulator with its own settings); None rebuilds from settings."""
    global _runtime  # noqa: PLW0603
    _runtime = replacement


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    messages = kafka_messages(event)
    if not messages:
        return batch_response([])
    worker = runtime()
    config = worker.config()
    with pipeline_metrics.timed("processor"):
        outcome = process_batch(messages, worker.models.classifier(config.model_version), config,
                                worker.outputs)
    return batch_response([m.item_identifier for m in outcome.failed])
