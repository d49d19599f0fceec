"""``planetmail classify --explain``: the n-grams and content facts that pushed a message towards the
category it got.

The n-grams are hashed, so the model keeps no vocabulary; the message's own n-grams are hashed again
(scikit-learn's ``HashingVectorizer`` uses signed 32-bit MurmurHash3, seed 0, modulo the width) to
find which of them each weight belongs to. A feature's contribution is its TF-IDF value times the
linear SVM's weight for the category (the weight before calibration, which is monotonic).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.utils import murmurhash3_32

from processor.mail import Mail
from processor.model import HASH_FEATURES, TriageModel
from processor.signals import CONTENT_FEATURES

TOP: Final = 8


def top_features(model: TriageModel, mail: Mail, category: str, top: int = TOP) -> list[tuple[str, float]]:
    """The ``top`` features with the largest contribution towards ``category`` (negative: against)."""
    weights = _weights(model.category_head, category)
    if weights is None:
        return []
    row = model.matrix(model.featurize([mail])).tocsr()
    names = _names(model, mail)
    contributions = [(names.get(int(i), f"#{int(i)}"), float(v * weights[int(i)]))
                     for i, v in zip(row.indices, row.data, strict=True)]
    contributions.sort(key=lambda pair: -abs(pair[1]))
    return [(name, round(value, 4)) for name, value in contributions[:top]]


def _weights(head: CalibratedClassifierCV, category: str) -> np.ndarray | None:
    svm = head.calibrated_classifiers_[0].estimator
    classes = [str(c) for c in head.classes_]
    coef = np.asarray(svm.coef_)
    return coef[classes.index(category)] if category in classes and coef.shape[0] > 1 else None


def _names(model: TriageModel, mail: Mail) -> dict[int, str]:
    """Column index → the message's n-gram(s) hashed there, and the content features' names."""
    names: dict[int, str] = {}
    for block, (_, vectorizer) in enumerate(model.counter.transformer_list):
        for gram in vectorizer.build_analyzer()(mail.text):
            index = block * HASH_FEATURES + abs(murmurhash3_32(gram, seed=0)) % HASH_FEATURES
            names.setdefault(index, repr(gram))
    offset = len(model.counter.transformer_list) * HASH_FEATURES
    names.update({offset + i: f"[{name}]" for i, name in enumerate(CONTENT_FEATURES)})
    return names
