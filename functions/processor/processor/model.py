"""The triage model: hashed word and character n-grams, a spam head and a topic head.

Spam is learned as its own binary question so that real non-newspaper mail (SpamAssassin ham) can
teach "not spam" without being forced into a newspaper category. The topic head learns the six
newspaper categories from the Daily Planet corpus only. Together they give a proper distribution
over the seven categories: P(spam) and (1 - P(spam)) * P(category | not spam).

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
HASH_FEATURES: Final = 2**18
CALIBRATION_FOLDS: Final = 3
SEED: Final = 7


@dataclasses.dataclass(frozen=True)
class TrainingSet:
    """Texts with their category: a newspaper category, ``spam``, or None for real non-newspaper mail."""

    texts: list[str]
    categories: list[str | None]


def build_counter() -> FeatureUnion:
    def hashed(analyzer: str, ngram_range: tuple[int, int]) -> HashingVectorizer:
        return HashingVectorizer(analyzer=analyzer, ngram_range=ngram_range, n_features=HASH_FEATURES,
                                 alternate_sign=False, norm=None, strip_accents="unicode",
                                 dtype=np.float32)

    return FeatureUnion([("words", hashed("word", (1, 2))), ("chars", hashed("char", (3, 5)))])


def build_head() -> CalibratedClassifierCV:
    svm = LinearSVC(C=0.5, class_weight="balanced", random_state=SEED)
    return CalibratedClassifierCV(svm, method="sigmoid", cv=CALIBRATION_FOLDS, ensemble=False)


@dataclasses.dataclass(frozen=True)
class TriageModel:
    counter: FeatureUnion
    weighting: TfidfTransformer
    spam_head: CalibratedClassifierCV
    topic_head: CalibratedClassifierCV

    labels: tuple[str, ...] = CATEGORIES

    @classmethod
    def fit(cls, data: TrainingSet) -> TriageModel:
        counter = build_counter()
        return cls.fit_counts(counter, counter.transform(data.texts), data.categories)

    @classmethod
    def fit_counts(cls, counter: FeatureUnion, counts: csr_matrix,
                   categories: Sequence[str | None]) -> TriageModel:
        """Fit on n-gram counts already made by ``counter`` (cross-validation counts once)."""
        weighting = TfidfTransformer(sublinear_tf=True)
        matrix = weighting.fit_transform(counts)
        spam_head = build_head().fit(matrix, np.array([c == SPAM for c in categories]))
        newspaper = [i for i, c in enumerate(categories) if c is not None and c != SPAM]
        topic_labels = np.array([categories[i] for i in newspaper])
        missing = set(TOPICS) - set(topic_labels)
        if missing:
            raise ValueError(f"the training data has no examples of {', '.join(sorted(missing))}")
        topic_head = build_head().fit(matrix[newspaper], topic_labels)
        return cls(counter, weighting, spam_head, topic_head)

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Rows of P(category) in ``labels`` order, summing to one."""
        matrix = self.weighting.transform(self.counter.transform(texts))
        spam = self.spam_head.predict_proba(matrix)[:, list(self.spam_head.classes_).index(True)]
        topics = self.topic_head.predict_proba(matrix)
        columns = {label: topics[:, i] * (1.0 - spam) for i, label in enumerate(self.topic_head.classes_)}
        columns[SPAM] = spam
        return np.column_stack([columns[label] for label in self.labels]).astype(np.float64)

    def predict(self, texts: Sequence[str]) -> list[str]:
        best = self.probabilities(texts).argmax(axis=1)
        return [self.labels[i] for i in best]

    def parts(self) -> dict[str, Any]:
        return {"counter": self.counter, "weighting": self.weighting,
                "spam_head": self.spam_head, "topic_head": self.topic_head}
