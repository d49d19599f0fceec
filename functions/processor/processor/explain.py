"""The top signals behind each decision, published on the classified record for the staff inbox.

The n-grams are hashed, so the model keeps no vocabulary: the message's own words are hashed again
(scikit-learn's ``HashingVectorizer`` uses signed 32-bit MurmurHash3, seed 0, modulo the width) to
name the columns. A feature's pull is its TF-IDF value times the linear SVM's weight for the category
(the weight before calibration, which is monotonic), as ``planetmail classify --explain`` computes it.

Only the word block (words and word pairs) is published: character fragments such as ``'scrip'``
count in the score but tell a reader-services desk nothing. The list is bounded
(``MAX_TOP_SIGNALS`` items, names cut to ``SIGNAL_NAME_LENGTH``) and holds nothing but words already
in the message. The whole batch is vectorised once (one extra pass over the texts, no per-message
model call).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from planetmail.classification import MAX_TOP_SIGNALS, SIGNAL_NAME_LENGTH, Explanation, TopSignal
from processor.mail import Mail
from processor.model import HASH_FEATURES, TriageModel


def explain(model: TriageModel, mails: Sequence[Mail], categories: Sequence[str],
            top: int = MAX_TOP_SIGNALS) -> list[Explanation | None]:
    """One explanation per message towards its category (the model's best guess for a category the
    model does not have, such as ``human_review``); None when the model has no linear weights."""
    svm = model.category_head.calibrated_classifiers_[0].estimator
    coef = np.asarray(svm.coef_)
    classes = [str(c) for c in model.category_head.classes_]
    if coef.shape[0] != len(classes) or not mails:
        return [None] * len(mails)
    matrix = csr_matrix(model.matrix(model.featurize(mails)))
    guesses = np.asarray(svm.decision_function(matrix)).argmax(axis=1)
    words = _word_vectorizer(model)
    explanations: list[Explanation | None] = []
    for i, (mail, category) in enumerate(zip(mails, categories, strict=True)):
        towards = category if category in classes else classes[int(guesses[i])]
        pulls = _pulls(matrix.getrow(i), coef[classes.index(towards)], top)
        names = _names(words, mail, {index for index, _ in pulls})
        explanations.append(Explanation(towards=towards, signals=tuple(
            TopSignal(name=names[index][:SIGNAL_NAME_LENGTH], weight=round(weight, 4))
            for index, weight in pulls if index in names)))
    return explanations


def _pulls(row: csr_matrix, weights: NDArray[np.float64], top: int) -> list[tuple[int, float]]:
    """The word-block columns with the largest pull (by magnitude), strongest first."""
    in_words = row.indices < HASH_FEATURES
    indices, values = row.indices[in_words], row.data[in_words]
    pulls = values * weights[indices]
    order = np.argsort(-np.abs(pulls), kind="stable")[:top]
    return [(int(indices[j]), float(pulls[j])) for j in order if pulls[j] != 0.0]


def _word_vectorizer(model: TriageModel) -> HashingVectorizer:
    name, vectorizer = model.counter.transformer_list[0]
    if name != "words" or not isinstance(vectorizer, HashingVectorizer):
        raise TypeError(f"the model's first feature block is {name!r}, not hashed words")
    return vectorizer


def _names(words: HashingVectorizer, mail: Mail, wanted: set[int]) -> dict[int, str]:
    """Column → the message's word n-gram hashed there (the first, if several collide)."""
    names: dict[int, str] = {}
    for gram in words.build_analyzer()(mail.text):
        index = abs(murmurhash3_32(gram, seed=0)) % HASH_FEATURES
        if index in wanted and index not in names:
            names[index] = gram
            if len(names) == len(wanted):
                break
    return names
