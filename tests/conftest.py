"""Shared fixtures: the real local stack (started once per session), per-test isolation, and a tiny
classifier model for the processor's and the training package's unit tests.

The model fixtures live here rather than in tests/unit/conftest.py: a conftest there would put tests/unit
on sys.path, where the test folder ``responder`` would shadow the responder package."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzzing import FuzzScaleError, examples, fuzz_scale
from hypothesis import settings as hypothesis_settings

from planetmail.settings import Settings
from planetmail_local.stack import control
from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.errors import StackError
from planetmail_local.stack.topics import delete_topics, ensure_topics


def pytest_configure(config: pytest.Config) -> None:
    """A scaled fuzz run (``make fuzz``) also scales the properties that keep Hypothesis' default count."""
    try:
        scale = fuzz_scale()
    except FuzzScaleError as exc:
        raise pytest.UsageError(str(exc)) from None
    if scale > 1:
        hypothesis_settings.register_profile("fuzz", max_examples=examples(100))
        hypothesis_settings.load_profile("fuzz")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every Hypothesis test is marked ``property``, so ``make fuzz`` selects them by marker."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.property)


@pytest.fixture(scope="session")
def stack_settings() -> Iterator[Settings]:
    """Settings of the local stack (ZooKeeper, Kafka, AWS endpoint, SMTP sink).

    ``planetmail up`` is idempotent: it reuses healthy services (even ones started by hand) and starts
    the missing ones, so the first session on a clean machine starts the stack and later ones reuse it.
    The stack is left running afterwards; ``planetmail down`` stops it.
    """
    config = StackConfig.from_settings(Settings.load())
    try:
        control.up(config)
    except StackError as exc:
        pytest.exit(f"the local stack could not start: {exc}", returncode=3)
    yield Settings.load(aws_endpoint_url=config.aws_endpoint_url)


@pytest.fixture
def isolated_settings(stack_settings: Settings) -> Iterator[Settings]:
    """Stack settings with a unique topic prefix; every contract topic exists under it.

    The topics are deleted afterwards: a session of hundreds of tests would otherwise leave
    thousands of partitions on the one local broker.
    """
    settings = dataclasses.replace(stack_settings, topic_prefix=f"t{uuid.uuid4().hex[:10]}.")
    ensure_topics(settings)
    yield settings
    delete_topics(settings)


TINY_CORPUS = Path(__file__).parent / "unit" / "training" / "data"


@pytest.fixture(scope="session")
def tiny_corpus() -> Path:
    """The hand-written test corpus (112 lines): trains a model in seconds."""
    return TINY_CORPUS


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A model trained once per session on the tiny corpus (no SpamAssassin), for the processor's and
    the training package's tests."""
    from retrain.training import Sources, train

    return train(Sources(corpus=TINY_CORPUS), tmp_path_factory.mktemp("models"), folds=0)


@pytest.fixture(scope="session")
def classifier(tiny_model: Any) -> Any:
    from processor.classifier import Classifier

    return Classifier(tiny_model)
