"""The promotion gate: a candidate model replaces the live one only when it is not worse.

"Not worse", precisely: on the same test material, the candidate's
- macro-F1 on the newspaper test set (mean over languages) is at least the live model's less ``TOLERANCE``;
- spam recall on SpamAssassin's ``spam-1`` test folder is at least the live model's less ``TOLERANCE``;
- accuracy on the feedback set (staff's latest labels) is not lower than the live model's at all.
A figure missing on either side (no SpamAssassin, no feedback) is not compared.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence
from typing import Any, Final

from processor.mail import plain
from processor.model import TriageModel
from retrain.evaluation import test_split_report
from retrain.examples import Example

TOLERANCE: Final = 0.01
"""Noise allowed on the test splits: a few messages of the newspaper test set."""


@dataclasses.dataclass(frozen=True)
class Figures:
    """The three figures the gate compares; None when the material was not there."""

    newspaper_macro_f1: float | None
    spam_recall: float | None
    feedback_accuracy: float | None

    @classmethod
    def from_report(cls, report: dict[str, Any], feedback_accuracy: float | None) -> Figures:
        """From ``test_split_report``'s dictionary and the accuracy on the feedback set."""
        macro = report.get("newspaper_test", {}).get("macro_f1") or {}
        spam = report.get("spam-1", {}).get("spam_recall")
        return cls(statistics.fmean(macro.values()) if macro else None, spam, feedback_accuracy)


def score(model: TriageModel, tests: dict[str, list[Example]], pairs: Sequence[tuple[str, str]]) -> Figures:
    """``model``'s figures on the test sets and on the feedback set's ``(text, label)`` pairs."""
    mails = [plain(*text.partition("\n")[::2]) for text, _ in pairs]
    guesses = list(model.predict(mails)) if mails else []
    truth = [label for _, label in pairs]
    return Figures.from_report(test_split_report(model, tests), accuracy(truth, guesses))


def accuracy(truth: Sequence[str], guesses: Sequence[str]) -> float | None:
    return sum(t == g for t, g in zip(truth, guesses, strict=True)) / len(truth) if truth else None


def refusal(candidate: Figures, live: Figures) -> str | None:
    """None when the candidate is not worse; else one line naming the first figure that is."""
    gates = (("newspaper test macro-F1", candidate.newspaper_macro_f1, live.newspaper_macro_f1, TOLERANCE),
             ("SpamAssassin spam-1 spam recall", candidate.spam_recall, live.spam_recall, TOLERANCE),
             ("feedback-set accuracy", candidate.feedback_accuracy, live.feedback_accuracy, 0.0))
    for name, new, old, tolerance in gates:
        if new is not None and old is not None and new < old - tolerance:
            return f"{name} {new:.3f} is below the live model's {old:.3f} (tolerance {tolerance:.2f})"
    return None
