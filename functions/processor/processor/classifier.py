"""Classify a batch of messages in one vectorised call: category, confidence, language, priority."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from planetmail.classification import Classification
from planetmail.classification import Language as LanguageCode
from planetmail.inbound import utcnow
from planetmail.pipeline_config import PipelineConfig
from processor.artifact import LoadedModel
from processor.decision import decide
from processor.language import detected_languages, reply_language
from processor.mail import MailLike, as_mails
from processor.priority import priority_of
from processor.signals import Signals, signals_of
from processor.text import has_words


@dataclasses.dataclass(frozen=True)
class Decision:
    """A classification with what led to it (for lifecycle details and ``classify --explain``)."""

    classification: Classification
    reasons: tuple[str, ...]
    detected_language: str
    """ISO 639-1 code as detected (``fr``, ``de``...), ``und`` when undetermined."""
    signals: Signals


class Classifier:
    def __init__(self, loaded: LoadedModel) -> None:
        self.model = loaded.model
        self.version = loaded.card.version

    def classify(self, mails: Sequence[MailLike], config: PipelineConfig,
                 at: datetime | None = None) -> list[Classification]:
        return [d.classification for d in self.decide(mails, config, at)]

    def decide(self, messages: Sequence[MailLike], config: PipelineConfig,
               at: datetime | None = None) -> list[Decision]:
        """One decision per message (``decision.decide`` says in which order the evidence counts).

        A text without a single word (empty, binary junk) is not guessed at: human_review, confidence 0.
        """
        if not messages:
            return []
        mails = as_mails(messages)
        classified_at = at or utcnow()
        texts = [m.text for m in mails]
        fallback: LanguageCode = "es" if config.default_language == "es" else "en"
        assessment = self.model.assess(mails)
        decisions = []
        detected_codes = detected_languages(texts)
        for i, (mail, text, detected) in enumerate(zip(mails, texts, detected_codes, strict=True)):
            signals = signals_of(mail)
            outcome = decide(assessment.probabilities[i], float(assessment.spam_backing[i]),
                             self.model.labels, signals, self.model.spam_threshold,
                             config.confidence_threshold, has_words(text))
            classification = Classification(
                category=outcome.category, confidence=outcome.confidence,
                language=reply_language(detected, fallback),
                priority=priority_of(text, outcome.category, float(assessment.urgency[i])),
                model_version=self.version, classified_at=classified_at,
            )
            decisions.append(Decision(classification, outcome.reasons, detected, signals))
        return decisions
