"""Promotion hot-swaps the model of a running processor: the config watch, no restart."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_processor_kafka import _email, _produce, _read, model, settings  # noqa: F401 - fixtures

from planetmail import codec, topics
from planetmail.classification import CATEGORIES, HUMAN_REVIEW, OTHER, ClassifiedEmail
from planetmail.config.zookeeper import ZooKeeperConfigSource
from planetmail.settings import Settings
from planetmail_local.cli.config import change
from processor import handler as processor_handler
from processor.mail import plain
from processor.runtime import Runtime
from retrain.examples import Example
from retrain.training import Sources, train

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TINY_CORPUS = Path(__file__).parents[2] / "unit" / "training" / "data"
ROUTED = [topics.classified(c) for c in (*CATEGORIES, OTHER, HUMAN_REVIEW)]


@pytest.fixture
def swap_settings(settings: Settings, tmp_path: Path) -> Settings:  # noqa: F811 - the imported fixture
    return dataclasses.replace(settings, model_path="", state_dir=tmp_path,
                               zk_root=f"/planetmail-swap-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def running(swap_settings: Settings) -> Iterator[Runtime]:
    source = ZooKeeperConfigSource.connect(swap_settings)
    runtime = Runtime(swap_settings, config=source.current)
    processor_handler.use_runtime(runtime)
    yield runtime
    processor_handler.use_runtime(None)
    runtime.close()
    source.close()


def _model_version_of_next_mail(pipeline: Settings, seen: int) -> str:
    event = _produce(pipeline, [(b"k", codec.encode(_email("Pothole on Elm Street", "Come and see it.")))])
    processor_handler.handler(event, None)
    routed = [r for records in _read(pipeline, ROUTED, expected=seen + 1).values() for r in records]
    newest = max(routed, key=lambda r: r.timestamp)
    return codec.decode_as(ClassifiedEmail, newest.value).classification.model_version


def test_promoted_model_version_is_loaded_without_restart(swap_settings: Settings, running: Runtime) -> None:
    models = swap_settings.state_dir / "models"
    first = train(Sources(corpus=TINY_CORPUS), models, folds=0).card.version
    extra = Example(mail=plain("Pothole on Elm Street", "Come and see it."), category="news_tips",
                    group=f"feedback:{datetime.now(UTC):%f}", source="feedback")
    second = train(Sources(corpus=TINY_CORPUS, feedback=(extra,) * 3), models, folds=0).card.version
    assert first != second
    change(swap_settings, [("model_version", first)])
    time.sleep(1)  # the watch delivers the change
    assert _model_version_of_next_mail(swap_settings, 0) == first
    change(swap_settings, [("model_version", second)])
    deadline = time.monotonic() + 10
    while running.config().model_version != second and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _model_version_of_next_mail(swap_settings, 1) == second
