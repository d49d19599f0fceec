"""A tiny model trained once per session on the hand-written test corpus (no SpamAssassin), shared by
the processor's and the training package's unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from planetmail_local.training.training import Sources, train
from processor.artifact import LoadedModel
from processor.classifier import Classifier

TINY_CORPUS = Path(__file__).parent / "training" / "data"


@pytest.fixture(scope="session")
def tiny_corpus() -> Path:
    return TINY_CORPUS


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    return train(Sources(corpus=TINY_CORPUS), tmp_path_factory.mktemp("models"), folds=0)


@pytest.fixture(scope="session")
def classifier(tiny_model: LoadedModel) -> Classifier:
    return Classifier(tiny_model)
