"""``planetmail train``: fit on the training split, cross-validate by group, score the held-out split
and report (never tune on) the test split.

Training split: the generated Daily Planet corpus less its held-out groups, SpamAssassin ``spam-2``
and ``easy-ham-2``, and the hand-written folders (``WRITTEN``): ordinary mail (data/other_mail), reader
mail (data/reader_mail) and present-day spam (data/spam_mail). Test split: SpamAssassin
``spam-1``, ``easy-ham-1``, ``hard-ham-1`` and the independent newspaper test set
(data/newspaper_test); the model card reports both beside the cross-validation figures.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import resource
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import joblib
import numpy as np
import sklearn
from joblib.externals.loky import get_reusable_executor
from numpy.typing import NDArray
from sklearn.model_selection import GroupKFold

from planetmail.classification import OTHER
from processor import artifact
from processor.model import CALIBRATION_FOLDS, SPAM_VETO, TrainingSet, TriageModel, build_counter, featurize
from retrain import spamassassin
from retrain.evaluation import evaluate, test_split_report
from retrain.examples import Example, load_corpus, split

CV_FOLDS: Final = 3
"""Three folds: the threshold they choose moved by 0.02 against five, for 40 % of the training time."""
HAM_BUDGET: Final = 0.005
"""Share of out-of-fold real ham the spam threshold may call spam: half the 1 % quality bar, as a
margin for the difference between cross-validation and the test split."""
SPAM_THRESHOLDS: Final = tuple(round(0.05 + 0.01 * i, 2) for i in range(91))
"""Candidate spam thresholds, 0.05 to 0.95."""

OTHER_MAIL, READER_MAIL, SPAM_MAIL = "other_mail", "reader_mail", "spam_mail"
WRITTEN: Final = (OTHER_MAIL, READER_MAIL, SPAM_MAIL)
"""The hand-written training folders (data/<name>), each trained on whole as a source of that name."""
PRIORITY_LABELLED: Final = frozenset({"corpus", READER_MAIL})
"""Sources whose ``priority`` is a label (elsewhere it is only the loader's default)."""

Progress = Callable[[str], None]


def fitting_workers() -> int:
    """Worker processes that fit a head's calibration folds side by side (one per core, at most one
    per fold). Processes, not threads: liblinear draws from one process-wide random generator, so
    threads would make the calibration differ from run to run; in processes the model is bit for bit
    the sequential one. Where processes cannot share semaphores (Lambda has no /dev/shm) joblib says
    so and fits in series."""
    return max(1, min(CALIBRATION_FOLDS, os.cpu_count() or 1))


@contextlib.contextmanager
def parallel_fitting() -> Iterator[None]:
    with joblib.parallel_config(backend="loky", n_jobs=fitting_workers()):
        yield
    get_reusable_executor().shutdown(wait=True)  # reaped, so their CPU time counts as children's


def cpu_seconds() -> float:
    """CPU time of this process and of its reaped children (the fitting workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclasses.dataclass(frozen=True)
class Sources:
    corpus: Path
    spamassassin: Path | None = None
    """The SpamAssassin data folder (spam-2, easy-ham-2, ...), or None to train on the corpus alone."""
    newspaper_test: Path | None = None
    """The independent newspaper test set (JSON lines), reported only."""
    other_mail: Path | None = None
    """Hand-written present-day mail that is not newspaper mail (data/other_mail), all of it trained on:
    SpamAssassin's ham is English mailing-list mail from 2002, with no Spanish and no notifications."""
    reader_mail: Path | None = None
    """Hand-written reader mail in the six newspaper categories, with priority labels
    (data/reader_mail), all of it trained on: the corpus's wording, urgent or not, comes from one
    phrase generator, and a priority head learned from it alone did not carry over to mail written
    independently."""
    spam_mail: Path | None = None
    """Hand-written present-day spam and scams, en/es (data/spam_mail), all of it trained on: the
    corpus's spam comes from one generator and SpamAssassin's from 2002, and neither has much of today's
    payment fraud, phishing or cold sales pitches to a newsroom."""
    feedback: tuple[Example, ...] = ()
    """Staff corrections from mail.feedback (already weighted), all of them in training."""
    feedback_facts: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Where the feedback came from (counts, offsets, times), for the model card."""

    def load(self) -> tuple[list[Example], list[Example]]:
        """(training, held out): the corpus split by group, and all of SpamAssassin's training folders
        in training (the test folders are real held-out mail)."""
        training, held_out = split(load_corpus(self.corpus))
        for source, folder in self.written().items():
            training += load_corpus(folder, source=source)
        if self.spamassassin is not None:
            training += spamassassin.load_folders(self.spamassassin, spamassassin.TRAINING_FOLDERS)
        return training + list(self.feedback), held_out

    def written(self) -> dict[str, Path]:
        """The hand-written folders present, by source name."""
        folders = {OTHER_MAIL: self.other_mail, READER_MAIL: self.reader_mail, SPAM_MAIL: self.spam_mail}
        return {name: folder for name, folder in folders.items() if folder is not None}

    def with_written(self, folders: Mapping[str, Path | None]) -> Sources:
        """These sources with the hand-written folders ``folders`` names (by source name), no others."""
        return dataclasses.replace(self, other_mail=folders.get(OTHER_MAIL),
                                   reader_mail=folders.get(READER_MAIL), spam_mail=folders.get(SPAM_MAIL))

    def test_sets(self) -> dict[str, list[Example]]:
        """The test split by name: SpamAssassin's test folders and the newspaper test set."""
        sets: dict[str, list[Example]] = {}
        if self.spamassassin is not None:
            for folder, category in spamassassin.TEST_FOLDERS.items():
                sets[folder] = spamassassin.load_folders(self.spamassassin, {folder: category})
        if self.newspaper_test is not None:
            sets["newspaper_test"] = load_corpus(self.newspaper_test, source="newspaper_test")
        return sets


def training_set(examples: Sequence[Example]) -> TrainingSet:
    return TrainingSet(mails=[e.mail for e in examples], categories=[e.category for e in examples],
                       urgent=[_urgent(e) for e in examples])


def _urgent(example: Example) -> bool | None:
    return example.priority == "high" if example.source in PRIORITY_LABELLED else None


@dataclasses.dataclass(frozen=True)
class CrossValidation:
    scores: dict[str, Any]
    """Macro-F1 per language and the out-of-fold spam figures, for the model card."""
    spam_threshold: float


def cross_validate(examples: Sequence[Example], folds: int) -> CrossValidation:
    """Group folds of the training split (never the held-out or test split) choose the spam threshold,
    then score macro-F1 per language with it (fold models learn no priority: nothing here scores it)."""
    groups = [e.group for e in examples]
    counter = build_counter()
    features = featurize(counter, [e.mail for e in examples])
    evidence = np.zeros(len(examples))
    fitted: list[tuple[TriageModel, NDArray[np.intp]]] = []
    for train_index, test_index in GroupKFold(n_splits=folds).split(examples, groups=groups):
        fold = [examples[i] for i in train_index]
        model = TriageModel.fit_features(counter, features.rows(train_index), [e.category for e in fold])
        evidence[test_index] = model.spam_evidence(features.rows(test_index))
        fitted.append((model, test_index))
    spam = _spam_facts(examples, evidence)
    scores: dict[str, list[float]] = {}
    for model, test_index in fitted:
        tuned = dataclasses.replace(model, spam_threshold=spam["threshold"])
        held_back = [examples[i] for i in test_index]
        for language, score in evaluate(tuned, held_back, features.rows(test_index)).macro_f1.items():
            scores.setdefault(language, []).append(score)
    return CrossValidation({"folds": folds, "spam": spam, "macro_f1": {
        language: {"mean": statistics.fmean(values), "stdev": statistics.pstdev(values)}
        for language, values in scores.items()}}, spam["threshold"])


def choose_spam_threshold(evidence: NDArray[np.float64], ham: NDArray[np.bool_],
                          budget: float = HAM_BUDGET) -> float:
    """The lowest candidate threshold calling at most ``budget`` of ``ham`` spam (the most spam
    caught within the budget); ``SPAM_VETO`` when there is no ham to measure."""
    if not ham.any():
        return SPAM_VETO
    for threshold in SPAM_THRESHOLDS:
        if float(np.mean(evidence[ham] >= threshold)) <= budget:
            return threshold
    return SPAM_THRESHOLDS[-1]


def _spam_facts(examples: Sequence[Example], evidence: NDArray[np.float64]) -> dict[str, float]:
    """The threshold chosen on out-of-fold real ham (easy-ham-2), and what it does to its ham and spam."""
    real = np.array([e.source.startswith("spamassassin") for e in examples])
    spam = np.array([e.spam for e in examples])
    ham = real & ~spam & np.array([e.category == OTHER for e in examples])
    threshold = choose_spam_threshold(evidence, ham)
    called = evidence >= threshold
    return {"threshold": threshold, "ham_budget": HAM_BUDGET,
            "ham_flagged_spam": float(called[ham].mean()) if ham.any() else 0.0,
            "spam_recall": float(called[real & spam].mean()) if (real & spam).any() else 0.0}


def model_version(examples: Sequence[Example], now: datetime) -> str:
    digest = hashlib.sha256()
    for example in examples:
        digest.update(f"{example.group}\0{example.category}\0{example.text}\n".encode())
    return f"{now:%Y%m%dT%H%M%SZ}-{digest.hexdigest()[:8]}"


def train(sources: Sources, root: Path, folds: int = CV_FOLDS,
          progress: Progress = lambda _: None) -> artifact.LoadedModel:
    started, cpu_started = time.perf_counter(), cpu_seconds()
    progress("loading the corpus and the SpamAssassin training folders")
    training, held_out = sources.load()
    with parallel_fitting():
        if folds > 1:
            progress(f"cross-validating over {folds} folds of the training split")
        validation = cross_validate(training, folds) if folds > 1 else None
        progress(f"fitting on {len(training)} examples ({len(held_out)} held out)")
        model = dataclasses.replace(TriageModel.fit(training_set(training)),
                                    spam_threshold=validation.spam_threshold if validation else SPAM_VETO)
    seconds, cpu_used = time.perf_counter() - started, cpu_seconds() - cpu_started
    progress("scoring the held-out and test splits")
    tests = sources.test_sets()
    metrics = {"held_out": evaluate(model, held_out).to_dict(),
               "cross_validation": validation.scores if validation else {},
               "test_split": test_split_report(model, tests)}
    card = artifact.ModelCard(
        version=model_version(training, datetime.now(UTC)),
        labels=list(model.labels),
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        metrics=metrics,
        training=_training_facts(training, held_out, tests, sources, (seconds, cpu_used)),
        format=artifact.FORMAT,
    )
    path = artifact.save(model, card, root)
    return artifact.LoadedModel(model, card, path)


def _training_facts(training: Sequence[Example], held_out: Sequence[Example],
                    tests: dict[str, list[Example]], sources: Sources,
                    seconds: tuple[float, float]) -> dict[str, Any]:
    """What the model was trained on and how long it took (wall and CPU: the machine is shared)."""
    def counts(examples: Sequence[Example]) -> dict[str, int]:
        tally: dict[str, int] = {}
        for e in examples:
            key = f"{e.source}:{e.language}:{e.category}"
            tally[key] = tally.get(key, 0) + 1
        return dict(sorted(tally.items()))

    written = sources.written()
    return {
        "training": counts(training), "held_out": counts(held_out),
        "test_split": {name: len(examples) for name, examples in tests.items()},
        "corpus": str(sources.corpus), "spamassassin": str(sources.spamassassin or ""),
        "spamassassin_training_folders": sorted(spamassassin.TRAINING_FOLDERS) if sources.spamassassin
        else [],
        **{name: str(written.get(name, "")) for name in WRITTEN},
        "feedback": sources.feedback_facts,
        "seconds": round(seconds[0], 1), "cpu_seconds": round(seconds[1], 1),
        "scikit_learn": sklearn.__version__,
    }
