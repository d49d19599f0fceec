"""``planetmail evaluate --benchmark``: training time, load time, throughput per core and memory of the
triage model, beside a bare TF-IDF + LinearSVC baseline trained and timed in the same run.

Throughput is messages per CPU-second (lingua runs several threads, so wall time would flatter it),
in batches of ``BATCH_SIZE`` as the processor sees them. The model is timed twice: the whole
decision (features, both heads, signals, language detection, priority) and the model alone, so the
cost of language detection is visible next to the baseline, which has none.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
import psutil
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import LinearSVC

from planetmail.pipeline_config import PipelineConfig
from processor import artifact
from processor.classifier import Classifier
from processor.language import warm_up
from processor.mail import Mail
from retrain.examples import Example

BATCH_SIZE = 100
MINIMUM_MESSAGES = 2000


@dataclasses.dataclass(frozen=True)
class Rate:
    name: str
    messages: int
    cpu_seconds: float
    wall_seconds: float

    @property
    def per_core(self) -> float:
        return self.messages / self.cpu_seconds if self.cpu_seconds else 0.0


def timed_batches(name: str, mails: Sequence[Mail], step: Callable[[Sequence[Mail]], Any]) -> Rate:
    rounds = max(1, -(-MINIMUM_MESSAGES // max(1, len(mails))))
    batches = [mails[i:i + BATCH_SIZE] for i in range(0, len(mails), BATCH_SIZE)] * rounds
    wall, cpu = time.perf_counter(), time.process_time()
    for batch in batches:
        step(batch)
    return Rate(name, sum(len(b) for b in batches), time.process_time() - cpu, time.perf_counter() - wall)


def baseline(training: Sequence[Example]) -> tuple[Pipeline, float]:
    """A bare TF-IDF (word 1-2-grams, vocabulary) + LinearSVC on the same training split; its fit time."""
    started = time.process_time()
    pipeline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2), LinearSVC())
    pipeline.fit([e.text for e in training], [e.category for e in training])
    return pipeline, time.process_time() - started


def print_benchmark(path: Path, training: Sequence[Example], mails: Sequence[Mail]) -> None:
    started = time.perf_counter()
    classifier = Classifier(artifact.load(path))
    warm_up()
    load_seconds = time.perf_counter() - started
    config = PipelineConfig()
    bare, fit_cpu = baseline(training)
    rates = [
        timed_batches("triage model, whole decision", mails, lambda b: classifier.decide(b, config)),
        timed_batches("triage model without language detection", mails, classifier.model.assess),
        timed_batches("baseline TF-IDF + LinearSVC", mails, lambda b: bare.predict([m.text for m in b])),
    ]
    click.echo(f"model load (artifact + language models): {load_seconds:.2f} s; "
               f"baseline fit: {fit_cpu:.1f} CPU s on {len(training)} examples")
    reference = rates[-1].per_core
    for rate in rates:
        click.echo(f"{rate.name}: {rate.per_core:.0f} msg/s per core "
                   f"({rate.messages} messages in batches of {BATCH_SIZE}; "
                   f"{rate.per_core / reference:.2f}x the baseline)")
    click.echo(f"resident memory: {psutil.Process().memory_info().rss / 2**20:.0f} MB")
