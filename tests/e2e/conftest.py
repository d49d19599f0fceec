"""The end-to-end tests run planetmail's real handlers: the processor needs a trained model."""

from __future__ import annotations

import pytest

from planetmail.settings import Settings
from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.steps import ClassifierModel


@pytest.fixture(scope="session", autouse=True)
def classifier_model(stack_settings: Settings) -> None:
    """``planetmail train --if-missing``, as ``planetmail up`` runs it (about two minutes the first time)."""
    ClassifierModel(StackConfig.from_settings(stack_settings)).run()
