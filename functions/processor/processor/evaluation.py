"""Scores of a model on held-out examples: per class, per language, spam bars, priority rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from planetmail.classification import CATEGORIES
from processor.corpus import Example
from processor.model import SPAM, TriageModel
from processor.priority import priority_of

ALL_LANGUAGES = "all"


@dataclasses.dataclass(frozen=True)
class Evaluation:
    per_class: dict[str, dict[str, dict[str, float]]]
    """language (or "all") → category → precision, recall, f1, support."""
    macro_f1: dict[str, float]
    confusion: dict[str, list[list[int]]]
    """language → rows of true categories, columns of predictions, both in ``labels`` order."""
    labels: list[str]
    spamassassin: dict[str, float]
    priority: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def evaluate(model: TriageModel, examples: Sequence[Example], counts: csr_matrix | None = None) -> Evaluation:
    """Scores of ``model`` on ``examples`` (``counts``: their n-gram counts, when already made)."""
    if not examples:
        probabilities, urgency = np.zeros((0, len(model.labels))), np.zeros(0)
    elif counts is not None:
        probabilities, urgency = model.assess_counts(counts)
    else:
        probabilities, urgency = model.assess([e.text for e in examples])
    predictions = [model.labels[int(row.argmax())] for row in probabilities]
    corpus = [(e, p) for e, p in zip(examples, predictions, strict=True) if e.source == "corpus"]
    languages = sorted({e.language for e, _ in corpus})
    slices = {ALL_LANGUAGES: corpus} | {lang: [(e, p) for e, p in corpus if e.language == lang]
                                        for lang in languages}
    labels = list(CATEGORIES)
    return Evaluation(
        per_class={name: _per_class(pairs, labels) for name, pairs in slices.items()},
        macro_f1={name: _macro_f1(pairs, labels) for name, pairs in slices.items()},
        confusion={name: _confusion(pairs, labels) for name, pairs in slices.items()},
        labels=labels,
        spamassassin=spam_scores([(e, p) for e, p in zip(examples, predictions, strict=True)
                                  if e.source == "spamassassin"]),
        priority=priority_scores([(e, float(u)) for e, u in zip(examples, urgency, strict=True)
                                  if e.source == "corpus"]),
    )


def _truth(pairs: Sequence[tuple[Example, str]]) -> list[str]:
    return [str(e.category) for e, _ in pairs]


def _guesses(pairs: Sequence[tuple[Example, str]]) -> list[str]:
    return [p for _, p in pairs]


def _macro_f1(pairs: Sequence[tuple[Example, str]], labels: list[str]) -> float:
    if not pairs:
        return 0.0
    return float(f1_score(_truth(pairs), _guesses(pairs), labels=labels, average="macro", zero_division=0))


def _per_class(pairs: Sequence[tuple[Example, str]], labels: list[str]) -> dict[str, dict[str, float]]:
    if not pairs:
        return {}
    precision, recall, f1, support = precision_recall_fscore_support(
        _truth(pairs), _guesses(pairs), labels=labels, zero_division=0)
    return {label: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                    "support": int(support[i])} for i, label in enumerate(labels)}


def _confusion(pairs: Sequence[tuple[Example, str]], labels: list[str]) -> list[list[int]]:
    if not pairs:
        return []
    matrix = confusion_matrix(_truth(pairs), _guesses(pairs), labels=labels)
    return [[int(cell) for cell in row] for row in matrix]


def spam_scores(pairs: Sequence[tuple[Example, str]]) -> dict[str, float]:
    """Recall on spam and the share of ham called spam (the two SpamAssassin bars)."""
    spam = [p == SPAM for e, p in pairs if e.spam]
    ham = [p == SPAM for e, p in pairs if not e.spam]
    return {
        "spam_support": len(spam),
        "ham_support": len(ham),
        "spam_recall": sum(spam) / len(spam) if spam else 0.0,
        "ham_flagged_spam": sum(ham) / len(ham) if ham else 0.0,
    }


def priority_scores(examples: Sequence[tuple[Example, float]]) -> dict[str, float]:
    """Priority (rules and the learned P(high)) against the corpus labels, given the true category."""
    flagged = [(e.priority == "high", priority_of(e.text, str(e.category), learned) == "high")
               for e, learned in examples]
    true_positive = sum(1 for truth, guess in flagged if truth and guess)
    guessed = sum(1 for _, guess in flagged if guess)
    actual = sum(1 for truth, _ in flagged if truth)
    return {
        "high_support": actual,
        "precision": true_positive / guessed if guessed else 0.0,
        "recall": true_positive / actual if actual else 0.0,
    }
