"""A tiny model trained once per session on the hand-written test corpus (no supplements)."""

from __future__ import annotations

from pathlib import Path

import pytest

from processor.artifact import LoadedModel
from processor.classifier import Classifier
from processor.training import Sources, train

TINY_CORPUS = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def tiny_corpus() -> Path:
    return TINY_CORPUS


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    return train(Sources(corpus=TINY_CORPUS), tmp_path_factory.mktemp("models"), folds=0)


@pytest.fixture(scope="session")
def classifier(tiny_model: LoadedModel) -> Classifier:
    return Classifier(tiny_model)
