"""The triage model: hashed word and character n-grams into calibrated linear heads.

The category head learns eight classes: the six newspaper categories, ``spam`` and ``other`` (real
mail that is neither: mailing lists, newsletters, notifications, personal mail). ``other`` is an
outcome of its own, routed to ``mail.classified.other`` and not acknowledged: a newsletter answered
with "we received your complaint" is worse than no answer.

The spam head (spam against everything else) vetoes a spam verdict it does not back with at least
``spam_threshold``: the category head alone calls too much real ham spam. Training chooses the
threshold by cross-validation on the training split; ``SPAM_VETO`` serves where there was no real
ham to choose from. The spam head is less regularised than the category head (``SPAM_HEAD_C``).

N-grams are hashed rather than kept in a vocabulary: the counting step is stateless (computed once
for all cross-validation folds) and the artifact holds arrays only, which skops stores quickly.

No dense block of URL/HTML facts beside the n-grams: cross-validation on the training split
(3 group folds, 2026-12-05) measured spam recall 0.958 / 0.956 / 0.928 / 0.910 and macro-F1 0.859 /
0.848 / 0.828 / 0.809 with such a block weighted 0 / 0.25 / 0.5 / 1 (link counts separate 2002 spam
from 2002 mailing lists, not spam from mail). Those facts are signals (``signals.py``), shown by
``classify --explain``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from planetmail.classification import CATEGORIES, OTHER
from processor.mail import Mail, MailLike, as_mails

SPAM: Final = "spam"
TOPICS: Final = tuple(c for c in CATEGORIES if c != SPAM)
LABELS: Final = (*CATEGORIES, OTHER)
SPAM_VETO: Final = 0.2
CATEGORY_HEAD_C: Final = 0.5
SPAM_HEAD_C: Final = 4.0
HASH_FEATURES: Final = 2**18
CALIBRATION_FOLDS: Final = 3
"""Three: with two, each calibrator learned from SVMs fitted on half the data and the final (full-data)
SVM's scores no longer matched them (held-out macro-F1 fell from 0.91 to 0.76)."""
SEED: Final = 7
SVM_TOLERANCE: Final = 1e-3
"""liblinear's stopping tolerance: 1e-3 instead of 1e-4 cut the spam head's fit by a quarter."""


@dataclasses.dataclass(frozen=True)
class TrainingSet:
    """Messages with their category: a newspaper category, ``spam`` or ``other``."""

    mails: list[Mail]
    categories: list[str]
    urgent: list[bool | None] | None = None
    """Priority labels (True = high) where known; None for mail without them (SpamAssassin)."""


@dataclasses.dataclass(frozen=True)
class Features:
    """A batch as the model counts it: hashed n-gram counts."""

    counts: csr_matrix

    def rows(self, index: Sequence[int] | NDArray[np.intp]) -> Features:
        return Features(self.counts[index])


def build_counter() -> FeatureUnion:
    def hashed(analyzer: str, ngram_range: tuple[int, int]) -> HashingVectorizer:
        return HashingVectorizer(analyzer=analyzer, ngram_range=ngram_range, n_features=HASH_FEATURES,
                                 alternate_sign=False, norm=None, strip_accents="unicode",
                                 dtype=np.float32)

    return FeatureUnion([("words", hashed("word", (1, 2))), ("chars", hashed("char_wb", (3, 5)))])


def featurize(counter: FeatureUnion, messages: Sequence[MailLike]) -> Features:
    return Features(counter.transform([m.text for m in as_mails(messages)]).tocsr())


def build_head(c: float = CATEGORY_HEAD_C) -> CalibratedClassifierCV:
    svm = LinearSVC(C=c, class_weight="balanced", random_state=SEED, tol=SVM_TOLERANCE)
    return CalibratedClassifierCV(svm, method="sigmoid", cv=CALIBRATION_FOLDS, ensemble=False)


@dataclasses.dataclass(frozen=True)
class Assessment:
    """What the model says about a batch, row by row."""

    probabilities: NDArray[np.float64]
    """P(label) in ``labels`` order, rows summing to one, after the spam head's veto."""
    spam_backing: NDArray[np.float64]
    """The spam head's P(spam)."""
    urgency: NDArray[np.float64]
    """P(high priority), zeros when the model learned no priority."""


@dataclasses.dataclass(frozen=True)
class TriageModel:
    counter: FeatureUnion
    weighting: TfidfTransformer
    category_head: CalibratedClassifierCV
    spam_head: CalibratedClassifierCV
    priority_head: CalibratedClassifierCV | None = None
    """P(high priority) learned from the corpus labels; None when they lack one of the two classes."""
    spam_threshold: float = SPAM_VETO
    """The least P(spam) from the spam head that lets a message be called spam."""

    labels: tuple[str, ...] = LABELS

    @classmethod
    def fit(cls, data: TrainingSet) -> TriageModel:
        counter = build_counter()
        return cls.fit_features(counter, featurize(counter, data.mails), data.categories, data.urgent)

    @classmethod
    def fit_features(cls, counter: FeatureUnion, features: Features, categories: Sequence[str],
                     urgent: Sequence[bool | None] | None = None) -> TriageModel:
        """Fit on features already made by ``counter`` (cross-validation counts once)."""
        missing = set(TOPICS) - set(categories)
        if missing:
            raise ValueError(f"the training data has no examples of {', '.join(sorted(missing))}")
        weighting = TfidfTransformer(sublinear_tf=True).fit(features.counts)
        matrix = _matrix(weighting, features)
        category_head = build_head().fit(matrix, np.array(categories))
        spam_head = build_head(SPAM_HEAD_C).fit(matrix, np.array([c == SPAM for c in categories]))
        return cls(counter, weighting, category_head, spam_head, _fit_priority(matrix, urgent))

    def featurize(self, mails: Sequence[MailLike]) -> Features:
        return featurize(self.counter, mails)

    def assess(self, mails: Sequence[MailLike]) -> Assessment:
        """Category probabilities, spam backing and P(high priority) from one vectorisation."""
        return self.assess_features(self.featurize(mails))

    def assess_features(self, features: Features, spam_threshold: float | None = None) -> Assessment:
        matrix = self.matrix(features)
        backing = self._spam_backing(matrix)
        threshold = self.spam_threshold if spam_threshold is None else spam_threshold
        return Assessment(self._probabilities(matrix, backing, threshold), backing, self._urgency(matrix))

    def matrix(self, features: Features) -> csr_matrix:
        return _matrix(self.weighting, features)

    def spam_evidence(self, features: Features) -> NDArray[np.float64]:
        """The spam head's P(spam) where the category head ranks spam first, else 0.

        A message is called spam exactly when its evidence reaches ``spam_threshold``, so one pass
        over held-back examples scores every candidate threshold.
        """
        assessment = self.assess_features(features, spam_threshold=0.0)
        ranked_first = assessment.probabilities.argmax(axis=1) == self.labels.index(SPAM)
        return np.where(ranked_first, assessment.spam_backing, 0.0)

    def predict(self, mails: Sequence[MailLike]) -> list[str]:
        best = self.assess(mails).probabilities.argmax(axis=1)
        return [self.labels[i] for i in best]

    def _spam_backing(self, matrix: csr_matrix) -> NDArray[np.float64]:
        index = list(self.spam_head.classes_).index(True)
        return calibrated_probabilities(self.spam_head, matrix)[:, index]

    def _probabilities(self, matrix: csr_matrix, backing: NDArray[np.float64],
                       spam_threshold: float) -> NDArray[np.float64]:
        """Rows of P(label) in ``labels`` order; spam the spam head does not back is shared out."""
        classes = list(self.category_head.classes_)
        rows = calibrated_probabilities(self.category_head, matrix)
        spam = np.where(backing < spam_threshold, 0.0, rows[:, classes.index(SPAM)])
        rest = [label for label in self.labels if label != SPAM]
        others = np.column_stack([_column(rows, classes, label) for label in rest])
        others *= ((1.0 - spam) / np.maximum(others.sum(axis=1), 1e-12))[:, None]
        columns = {label: others[:, i] for i, label in enumerate(rest)} | {SPAM: spam}
        return np.column_stack([columns[label] for label in self.labels]).astype(np.float64)

    def _urgency(self, matrix: csr_matrix) -> NDArray[np.float64]:
        if self.priority_head is None:
            return np.zeros(matrix.shape[0])
        return calibrated_probabilities(self.priority_head, matrix)[:, 1]

    def parts(self) -> dict[str, Any]:
        return {"counter": self.counter, "weighting": self.weighting, "category_head": self.category_head,
                "spam_head": self.spam_head, "priority_head": self.priority_head,
                "spam_threshold": float(self.spam_threshold)}


def calibrated_probabilities(head: CalibratedClassifierCV, matrix: csr_matrix) -> NDArray[np.float64]:
    """``head.predict_proba(matrix)`` for the heads ``build_head`` makes, in plain array arithmetic.

    The processor's batches are small (one to a few messages), and there scikit-learn's input checks
    (about nine ``check_array`` calls per head and call, each asking narwhals whether the input is a
    dataframe) cost several times the arithmetic: a fifth of the processor's CPU under load. Same
    numbers as ``predict_proba`` (a unit test holds them equal); any other kind of head goes through it.
    """
    calibrated = head.calibrated_classifiers_
    if len(calibrated) != 1 or calibrated[0].method != "sigmoid" or not hasattr(calibrated[0].estimator,
                                                                                  "coef_"):
        return np.asarray(head.predict_proba(matrix), dtype=np.float64)
    only = calibrated[0]
    scores = np.asarray(matrix @ only.estimator.coef_.T) + only.estimator.intercept_
    proba = np.zeros((matrix.shape[0], len(only.classes)))
    columns = np.searchsorted(only.classes, only.estimator.classes_)
    binary = len(only.classes) == 2
    for column, score, calibrator in zip(columns, scores.T, only.calibrators, strict=False):
        proba[:, column + 1 if binary else column] = expit(-(calibrator.a_ * score + calibrator.b_))
    if binary:
        proba[:, 0] = 1.0 - proba[:, 1]
    else:
        total = proba.sum(axis=1, keepdims=True)
        proba = np.divide(proba, total, out=np.full_like(proba, 1 / proba.shape[1]), where=total != 0)
    proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
    return proba


def _matrix(weighting: TfidfTransformer, features: Features) -> csr_matrix:
    return csr_matrix(weighting.transform(features.counts))


def _column(rows: NDArray[np.float64], classes: list[str], label: str) -> NDArray[np.float64]:
    """A label's column; zeros when training had none of it (``other`` without real ham)."""
    return rows[:, classes.index(label)] if label in classes else np.zeros(rows.shape[0])


def _fit_priority(matrix: csr_matrix, urgent: Sequence[bool | None] | None) -> CalibratedClassifierCV | None:
    known = [i for i, flag in enumerate(urgent or []) if flag is not None]
    labels = np.array([bool((urgent or [])[i]) for i in known])
    high = int(labels.sum())
    if min(high, len(labels) - high) < CALIBRATION_FOLDS:
        return None
    return build_head().fit(matrix[known], labels)
