from __future__ import annotations

from pathlib import Path

import pytest

from planetmail_local.emulator.model import Application
from planetmail_local.emulator.template import load_application

FIXTURE_TEMPLATE = Path(__file__).parents[2] / "fixtures" / "sam_app" / "template.yaml"


@pytest.fixture
def fixture_app() -> Application:
    return load_application(FIXTURE_TEMPLATE, {"TopicPrefix": "u."}, kafka_bootstrap="broker:9092")
