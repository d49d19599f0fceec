"""The triage model: hashed word and character n-grams into two calibrated linear heads.

The category head learns eight classes: the six newspaper categories and ``spam`` from the Daily
Planet corpus (plus SpamAssassin spam), and ``other mail`` from SpamAssassin ham — real mail that is
neither newspaper mail nor spam. ``other mail`` exists only so that ordinary mail is not pushed
towards spam; its probability is shared out over the six newspaper categories, so the output is a
distribution over the seven categories of the taxonomy.

The spam head (spam against everything else) vetoes a spam verdict it does not back with at least
``spam_threshold``: the category head alone called 2-3 % of the SpamAssassin ham spam in
cross-validation. Training chooses the threshold by cross-validation on the training split
(``training.choose_spam_threshold``); ``SPAM_VETO`` serves where there was no real ham to choose from.
The spam head is less regularised than the category head (``SPAM_HEAD_C``): with C = 0.5 it
ranked newsletters above short Spanish spam, so no threshold kept ham out without losing spam.

N-grams are hashed rather than kept in a vocabulary: the counting step is stateless (computed once
for all cross-validation folds) and the artifact holds arrays only, which skops stores quickly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from planetmail.classification import CATEGORIES

SPAM: Final = "spam"
TOPICS: Final = tuple(c for c in CATEGORIES if c != SPAM)
OTHER_MAIL: Final = "other mail"
SPAM_VETO: Final = 0.2
CATEGORY_HEAD_C: Final = 0.5
SPAM_HEAD_C: Final = 4.0
HASH_FEATURES: Final = 2**18
CALIBRATION_FOLDS: Final = 3
SEED: Final = 7


@dataclasses.dataclass(frozen=True)
class TrainingSet:
    """Texts with their category: a newspaper category, ``spam``, or None for real non-newspaper mail."""

    texts: list[str]
    categories: list[str | None]
    urgent: list[bool | None] | None = None
    """Priority labels (True = high) where known; None for mail without them (SpamAssassin)."""


def build_counter() -> FeatureUnion:
    def hashed(analyzer: str, ngram_range: tuple[int, int]) -> HashingVectorizer:
        return HashingVectorizer(analyzer=analyzer, ngram_range=ngram_range, n_features=HASH_FEATURES,
                                 alternate_sign=False, norm=None, strip_accents="unicode",
                                 dtype=np.float32)

    return FeatureUnion([("words", hashed("word", (1, 2))), ("chars", hashed("char", (3, 5)))])


def build_head(c: float = CATEGORY_HEAD_C) -> CalibratedClassifierCV:
    svm = LinearSVC(C=c, class_weight="balanced", random_state=SEED)
    return CalibratedClassifierCV(svm, method="sigmoid", cv=CALIBRATION_FOLDS, ensemble=False)


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

    labels: tuple[str, ...] = CATEGORIES

    @classmethod
    def fit(cls, data: TrainingSet) -> TriageModel:
        counter = build_counter()
        return cls.fit_counts(counter, counter.transform(data.texts), data.categories, data.urgent)

    @classmethod
    def fit_counts(cls, counter: FeatureUnion, counts: csr_matrix, categories: Sequence[str | None],
                   urgent: Sequence[bool | None] | None = None) -> TriageModel:
        """Fit on n-gram counts already made by ``counter`` (cross-validation counts once)."""
        missing = set(TOPICS) - set(categories)
        if missing:
            raise ValueError(f"the training data has no examples of {', '.join(sorted(missing))}")
        weighting = TfidfTransformer(sublinear_tf=True)
        matrix = weighting.fit_transform(counts)
        category_head = build_head().fit(matrix, np.array([c or OTHER_MAIL for c in categories]))
        spam_head = build_head(SPAM_HEAD_C).fit(matrix, np.array([c == SPAM for c in categories]))
        return cls(counter, weighting, category_head, spam_head, _fit_priority(matrix, urgent))

    def assess(self, texts: Sequence[str]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Category probabilities and P(high priority), from one vectorisation of the batch."""
        return self.assess_counts(self.counter.transform(texts))

    def assess_counts(self, counts: csr_matrix) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``assess`` on n-gram counts already made by ``counter``."""
        matrix = self.weighting.transform(counts)
        return self._probabilities(matrix, self.spam_threshold), self._urgency(matrix)

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float64]:
        return self.assess(texts)[0]

    def spam_evidence(self, counts: csr_matrix) -> NDArray[np.float64]:
        """The spam head's P(spam) where the category head ranks spam first, else 0.

        A message is called spam exactly when its evidence reaches ``spam_threshold``, so one pass
        over held-back examples scores every candidate threshold.
        """
        matrix = self.weighting.transform(counts)
        ranked_first = self._probabilities(matrix, 0.0).argmax(axis=1) == self.labels.index(SPAM)
        return np.where(ranked_first, self._spam_backing(matrix), 0.0)

    def _spam_backing(self, matrix: csr_matrix) -> NDArray[np.float64]:
        return np.asarray(self.spam_head.predict_proba(matrix)[:, list(self.spam_head.classes_).index(True)],
                          dtype=np.float64)

    def _probabilities(self, matrix: csr_matrix, spam_threshold: float) -> NDArray[np.float64]:
        """Rows of P(category) in ``labels`` order, summing to one."""
        classes = list(self.category_head.classes_)
        rows = self.category_head.predict_proba(matrix)
        spam = np.where(self._spam_backing(matrix) < spam_threshold, 0.0, rows[:, classes.index(SPAM)])
        topics = np.column_stack([rows[:, classes.index(t)] for t in TOPICS])
        topics *= ((1.0 - spam) / np.maximum(topics.sum(axis=1), 1e-12))[:, None]
        columns = {topic: topics[:, i] for i, topic in enumerate(TOPICS)} | {SPAM: spam}
        return np.column_stack([columns[label] for label in self.labels]).astype(np.float64)

    def _urgency(self, matrix: csr_matrix) -> NDArray[np.float64]:
        """P(high priority) per row; zeros when the model learned no priority."""
        if self.priority_head is None:
            return np.zeros(matrix.shape[0])
        return np.asarray(self.priority_head.predict_proba(matrix)[:, 1], dtype=np.float64)

    def predict(self, texts: Sequence[str]) -> list[str]:
        best = self.probabilities(texts).argmax(axis=1)
        return [self.labels[i] for i in best]

    def parts(self) -> dict[str, Any]:
        return {"counter": self.counter, "weighting": self.weighting, "category_head": self.category_head,
                "spam_head": self.spam_head, "priority_head": self.priority_head,
                "spam_threshold": float(self.spam_threshold)}


def _fit_priority(matrix: csr_matrix, urgent: Sequence[bool | None] | None) -> CalibratedClassifierCV | None:
    known = [i for i, flag in enumerate(urgent or []) if flag is not None]
    labels = np.array([bool((urgent or [])[i]) for i in known])
    high = int(labels.sum())
    if min(high, len(labels) - high) < CALIBRATION_FOLDS:
        return None
    return build_head().fit(matrix[known], labels)
