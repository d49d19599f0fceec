"""From the model's probabilities and the message's signals to one outcome, with the reasons why.

Order, strongest evidence first:

1. GTUBE is spam (the standard test string means exactly that).
2. The provider's virus or spam verdict ``fail`` is spam: the provider saw the message in transit,
   with reputation data we do not have.
3. The model: spam when the spam head backs it with at least the trained threshold; a forged sender
   (SPF, DKIM and DMARC all failing) needs only half that backing.
4. Bulk-mail headers make ``other`` of anything the model is not sure of (a newspaper category below
   ``BULK_KEEP``, spam below the confidence threshold): list servers and marketing engines do not write
   to a newspaper's reader desk; a press office's news tip sent through one is still kept when the
   model is sure.
5. Below the configured confidence threshold the outcome is ``human_review``.
"""

from __future__ import annotations

import dataclasses
from typing import Final

import numpy as np
from numpy.typing import NDArray

from planetmail.classification import HUMAN_REVIEW, OTHER
from processor.model import SPAM, TOPICS
from processor.signals import Signals

BULK_KEEP: Final = 0.8
"""Confidence in a newspaper category that bulk-mail headers do not overturn."""
FORGED_FACTOR: Final = 0.5


@dataclasses.dataclass(frozen=True)
class Outcome:
    category: str
    confidence: float
    reasons: tuple[str, ...]


def decide(row: NDArray[np.float64], spam_backing: float, labels: tuple[str, ...], signals: Signals,
           spam_threshold: float, confidence_threshold: float, has_words: bool) -> Outcome:
    ruled = _ruled_spam(signals)
    if ruled:
        return Outcome(SPAM, 1.0, ruled)
    if signals.forged and spam_backing >= spam_threshold * FORGED_FACTOR:
        return Outcome(SPAM, round(spam_backing, 4), (
            f"SPF, DKIM and DMARC failed and the spam head backs spam with {spam_backing:.2f}",))
    if not has_words:
        return Outcome(HUMAN_REVIEW, 0.0, ("no words to read",))
    best = int(row.argmax())
    category, confidence = labels[best], float(row[best])
    if signals.bulk and not _sure(category, confidence, confidence_threshold):
        return Outcome(OTHER, round(max(1.0 - confidence, float(row[labels.index(OTHER)])), 4), (
            f"bulk-mail headers ({', '.join(signals.bulk)}) and the model gives {category} only "
            f"{confidence:.2f}",))
    reason = f"model: {category} {confidence:.2f}"
    if category == SPAM:
        reason += f", spam head {spam_backing:.2f} >= threshold {spam_threshold:.2f}"
    if confidence < confidence_threshold:
        return Outcome(HUMAN_REVIEW, round(confidence, 4), (f"{reason} < confidence threshold "
                                                           f"{confidence_threshold:.2f}",))
    return Outcome(category, round(confidence, 4), (reason,))


def _sure(category: str, confidence: float, confidence_threshold: float) -> bool:
    """Whether the model's answer stands against bulk-mail headers: a newspaper category at
    ``BULK_KEEP`` or more, spam at the confidence threshold or more."""
    if category in TOPICS:
        return confidence >= BULK_KEEP
    return category == SPAM and confidence >= confidence_threshold


def _ruled_spam(signals: Signals) -> tuple[str, ...]:
    if signals.gtube:
        return ("GTUBE test string",)
    if signals.provider_virus == "fail":
        return ("the provider's virus verdict is fail",)
    if signals.provider_spam == "fail":
        return ("the provider's spam verdict is fail",)
    return ()
