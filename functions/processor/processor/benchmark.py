"""Figures for ``planetmail evaluate --benchmark``: load time, throughput per core, memory."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path

import psutil

from planetmail.pipeline_config import PipelineConfig
from processor import artifact
from processor.classifier import Classifier
from processor.language import warm_up

BATCH_SIZE = 100


@dataclasses.dataclass(frozen=True)
class BenchmarkResult:
    load_seconds: float
    messages: int
    batch_size: int
    wall_seconds: float
    cpu_seconds: float
    resident_mb: float

    @property
    def per_core_rate(self) -> float:
        """Messages per CPU-second: lingua uses several threads, so wall time would flatter it."""
        return self.messages / self.cpu_seconds if self.cpu_seconds else 0.0

    @property
    def wall_rate(self) -> float:
        return self.messages / self.wall_seconds if self.wall_seconds else 0.0


def benchmark(path: Path, texts: Sequence[str], rounds: int = 1,
              batch_size: int = BATCH_SIZE) -> BenchmarkResult:
    started = time.perf_counter()
    classifier = Classifier(artifact.load(path))
    warm_up()
    load_seconds = time.perf_counter() - started
    config = PipelineConfig()
    batches = [texts[i:i + batch_size] for i in range(0, len(texts), batch_size)] * rounds
    wall, cpu = time.perf_counter(), time.process_time()
    for batch in batches:
        classifier.classify(batch, config)
    return BenchmarkResult(
        load_seconds=load_seconds, messages=sum(len(b) for b in batches), batch_size=batch_size,
        wall_seconds=time.perf_counter() - wall, cpu_seconds=time.process_time() - cpu,
        resident_mb=psutil.Process().memory_info().rss / 2**20,
    )
