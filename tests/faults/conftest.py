"""One throwaway pipeline per fault module; the end-to-end helpers (credentials, corpus) are shared."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from fault_pipeline import FaultPipeline, running_pipeline
from fault_traffic import TrafficPlan


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultPipeline]:
    root = tmp_path_factory.mktemp("faults")
    with running_pipeline(root / ".planetmail", root / "functions") as running:
        yield running


@pytest.fixture(scope="session")
def traffic_plan() -> TrafficPlan:
    return TrafficPlan.from_environment()
