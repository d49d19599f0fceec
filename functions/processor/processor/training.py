"""``planetmail train``: fit on the training split, cross-validate by group, score the held-out split."""

from __future__ import annotations

import dataclasses
import hashlib
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import sklearn
from sklearn.model_selection import GroupKFold

from processor import artifact
from processor.corpus import Example, load_corpus, split
from processor.evaluation import evaluate
from processor.model import TrainingSet, TriageModel, build_counter
from processor.spamassassin import load_spamassassin

CV_FOLDS: Final = 3

Progress = Callable[[str], None]


@dataclasses.dataclass(frozen=True)
class Sources:
    corpus: Path
    spamassassin: Path | None = None
    """The ``spamassassin`` folder of the shared data, or None to train on the corpus alone."""

    def load(self) -> list[Example]:
        examples = load_corpus(self.corpus)
        if self.spamassassin is not None and self.spamassassin.is_dir():
            examples += load_spamassassin(self.spamassassin)
        return examples


def training_set(examples: Sequence[Example]) -> TrainingSet:
    return TrainingSet(texts=[e.text for e in examples], categories=[e.category for e in examples],
                       urgent=[_urgent(e) for e in examples])


def _urgent(example: Example) -> bool | None:
    return example.priority == "high" if example.source == "corpus" else None


def cross_validate(examples: Sequence[Example], folds: int) -> dict[str, Any]:
    """Macro-F1 per language over group folds of the training split (never the held-out one)."""
    groups = [e.group for e in examples]
    counter = build_counter()
    counts = counter.transform([e.text for e in examples]).tocsr()
    scores: dict[str, list[float]] = {}
    for train_index, test_index in GroupKFold(n_splits=folds).split(examples, groups=groups):
        fold = [examples[i] for i in train_index]
        model = TriageModel.fit_counts(counter, counts[train_index], [e.category for e in fold],
                                       [_urgent(e) for e in fold])
        for language, score in evaluate(model, [examples[i] for i in test_index]).macro_f1.items():
            scores.setdefault(language, []).append(score)
    return {"folds": folds, "macro_f1": {
        language: {"mean": statistics.fmean(values), "stdev": statistics.pstdev(values)}
        for language, values in scores.items()}}


def model_version(examples: Sequence[Example], now: datetime) -> str:
    digest = hashlib.sha256()
    for example in examples:
        digest.update(f"{example.group}\0{example.category}\0{example.text}\n".encode())
    return f"{now:%Y%m%dT%H%M%SZ}-{digest.hexdigest()[:8]}"


def train(sources: Sources, root: Path, folds: int = CV_FOLDS,
          progress: Progress = lambda _: None) -> artifact.LoadedModel:
    started = time.perf_counter()
    progress("loading the corpus and supplements")
    training, held_out = split(sources.load())
    validation = cross_validate(training, folds) if folds > 1 else {}
    progress(f"fitting on {len(training)} examples ({len(held_out)} held out)")
    model = TriageModel.fit(training_set(training))
    progress("scoring the held-out split")
    metrics = {"held_out": evaluate(model, held_out).to_dict(), "cross_validation": validation}
    card = artifact.ModelCard(
        version=model_version(training, datetime.now(UTC)),
        labels=list(model.labels),
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        metrics=metrics,
        training=_training_facts(training, held_out, sources, time.perf_counter() - started),
    )
    path = artifact.save(model, card, root)
    return artifact.LoadedModel(model, card, path)


def _training_facts(training: Sequence[Example], held_out: Sequence[Example], sources: Sources,
                    seconds: float) -> dict[str, Any]:
    def counts(examples: Sequence[Example]) -> dict[str, int]:
        tally: dict[str, int] = {}
        for e in examples:
            key = f"{e.source}:{e.language if e.source == 'corpus' else 'en'}:{e.category or 'ham'}"
            tally[key] = tally.get(key, 0) + 1
        return dict(sorted(tally.items()))

    return {
        "training": counts(training), "held_out": counts(held_out),
        "corpus": str(sources.corpus), "spamassassin": str(sources.spamassassin or ""),
        "seconds": round(seconds, 1), "scikit_learn": sklearn.__version__,
    }
