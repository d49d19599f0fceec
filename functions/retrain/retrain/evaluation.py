"""Scores of a model on labelled examples, as the pipeline would decide them (model, signals and the
default confidence threshold: ``processor.decision``), not the model's bare arg-max.

Newspaper sets (the corpus's held-out split, the independent newspaper test set): per class, per
language, confusion, priority. Real mail (SpamAssassin): spam recall, ham called spam, and ham that
would be acknowledged (routed to a newspaper category or to human_review).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from planetmail.classification import HUMAN_REVIEW, OTHER, UNACKNOWLEDGED
from planetmail.pipeline_config import PipelineConfig
from processor.classifier import judge
from processor.model import SPAM, Features, TriageModel
from retrain.examples import Example

ALL_LANGUAGES: Final = "all"
DEFAULT_CONFIG: Final = PipelineConfig()


@dataclasses.dataclass(frozen=True)
class Evaluation:
    per_class: dict[str, dict[str, dict[str, float]]]
    """language (or "all") → category → precision, recall, f1, support."""
    macro_f1: dict[str, float]
    """Over the six newspaper categories and spam: the labels the newspaper sets have."""
    confusion: dict[str, list[list[int]]]
    """language → rows of true categories, columns of outcomes, both in ``labels`` order."""
    labels: list[str]
    real_mail: dict[str, float]
    priority: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Outcomes:
    categories: list[str]
    priorities: list[str]


def outcomes(model: TriageModel, examples: Sequence[Example], features: Features | None = None,
             config: PipelineConfig = DEFAULT_CONFIG) -> Outcomes:
    """What the pipeline would decide for each example (category and priority)."""
    if not examples:
        return Outcomes([], [])
    mails = [e.mail for e in examples]
    assessment = model.assess_features(features if features is not None else model.featurize(mails))
    judged = judge(model, mails, assessment, config)
    return Outcomes([j.outcome.category for j in judged], [j.priority for j in judged])


def evaluate(model: TriageModel, examples: Sequence[Example], features: Features | None = None) -> Evaluation:
    """Scores of ``model`` on ``examples`` (``features``: theirs, when already made)."""
    decided = outcomes(model, examples, features)
    pairs = list(zip(examples, decided.categories, strict=True))
    newspaper = [(e, p) for e, p in pairs if not _real(e)]
    languages = sorted({e.language for e, _ in newspaper})
    slices = {ALL_LANGUAGES: newspaper} | {lang: [(e, p) for e, p in newspaper if e.language == lang]
                                           for lang in languages}
    labels = [label for label in model.labels if label != OTHER]
    columns = [*labels, OTHER, HUMAN_REVIEW]
    return Evaluation(
        per_class={name: _per_class(s, labels) for name, s in slices.items()},
        macro_f1={name: _macro_f1(s, labels) for name, s in slices.items()},
        confusion={name: _confusion(s, columns) for name, s in slices.items()},
        labels=columns,
        real_mail=real_mail_scores([(e, p) for e, p in pairs if _real(e)]),
        priority=priority_scores([(e, priority) for e, priority in zip(examples, decided.priorities,
                                                                      strict=True) if not _real(e)]),
    )


def test_split_report(model: TriageModel, sets: dict[str, list[Example]]) -> dict[str, Any]:
    """Per test set: the real-mail bars (SpamAssassin) or the newspaper scores (newspaper test set)."""
    report: dict[str, Any] = {}
    for name, examples in sets.items():
        evaluation = evaluate(model, examples)
        if name == "newspaper_test":
            report[name] = {"macro_f1": evaluation.macro_f1, "priority": evaluation.priority,
                            "per_class": evaluation.per_class, "confusion": evaluation.confusion,
                            "labels": evaluation.labels}
        else:
            report[name] = evaluation.real_mail
    return report


def _real(example: Example) -> bool:
    """SpamAssassin mail (spam or ``other``), scored by the real-mail bars, not per category."""
    return example.source.startswith("spamassassin")


def _truth(pairs: Sequence[tuple[Example, str]]) -> list[str]:
    return [e.category for e, _ in pairs]


def _guesses(pairs: Sequence[tuple[Example, str]]) -> list[str]:
    return [p for _, p in pairs]


def _macro_f1(pairs: Sequence[tuple[Example, str]], labels: list[str]) -> float:
    present = [label for label in labels if any(e.category == label for e, _ in pairs)]
    if not pairs or not present:
        return 0.0
    return float(f1_score(_truth(pairs), _guesses(pairs), labels=present, average="macro", zero_division=0))


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


def real_mail_scores(pairs: Sequence[tuple[Example, str]]) -> dict[str, float]:
    """Spam recall and spam that would be answered; and of the ham: called spam, routed to ``other``,
    and acknowledged (a newspaper category or human_review: what the responder would answer)."""
    spam = [p for e, p in pairs if e.spam]
    ham = [p for e, p in pairs if not e.spam]
    return {
        "spam_support": len(spam),
        "ham_support": len(ham),
        "spam_recall": _share(spam, lambda p: p == SPAM),
        "spam_acknowledged": _share(spam, lambda p: p not in UNACKNOWLEDGED),
        "ham_flagged_spam": _share(ham, lambda p: p == SPAM),
        "ham_other": _share(ham, lambda p: p == OTHER),
        "ham_acknowledged": _share(ham, lambda p: p not in UNACKNOWLEDGED),
        "ham_human_review": _share(ham, lambda p: p == HUMAN_REVIEW),
    }


def _share(values: Sequence[str], test: Any) -> float:
    return float(np.mean([bool(test(v)) for v in values])) if values else 0.0


def priority_scores(examples: Sequence[tuple[Example, str]]) -> dict[str, float]:
    """The pipeline's priority (rules and learned P(high), on the decided category) against the labels."""
    flagged = [(e.priority == "high", priority == "high") for e, priority in examples]
    true_positive = sum(1 for truth, guess in flagged if truth and guess)
    guessed = sum(1 for _, guess in flagged if guess)
    actual = sum(1 for truth, _ in flagged if truth)
    return {
        "high_support": actual,
        "precision": true_positive / guessed if guessed else 0.0,
        "recall": true_positive / actual if actual else 0.0,
    }
