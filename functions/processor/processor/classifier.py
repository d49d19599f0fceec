"""Classify a batch of messages in one vectorised call: category, confidence, language, priority."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from planetmail.classification import Classification, Priority
from planetmail.classification import Language as LanguageCode
from planetmail.inbound import utcnow
from planetmail.pipeline_config import PipelineConfig
from processor.artifact import LoadedModel
from processor.decision import Outcome, decide
from processor.language import detected_languages, reply_language
from processor.mail import Mail, MailLike, as_mails
from processor.model import Assessment, TriageModel
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
        fallback: LanguageCode = "es" if config.default_language == "es" else "en"
        judged = judge(self.model, mails, self.model.assess(mails), config)
        detected_codes = detected_languages([m.text for m in mails])
        return [Decision(Classification(category=j.outcome.category, confidence=j.outcome.confidence,
                                        language=reply_language(detected, fallback), priority=j.priority,
                                        model_version=self.version, classified_at=classified_at),
                         j.outcome.reasons, detected, j.signals)
                for j, detected in zip(judged, detected_codes, strict=True)]


@dataclasses.dataclass(frozen=True)
class Judgement:
    outcome: Outcome
    priority: Priority
    signals: Signals


def judge(model: TriageModel, mails: Sequence[Mail], assessment: Assessment,
          config: PipelineConfig) -> list[Judgement]:
    """Outcome and priority per message from the model's assessment and the message's signals
    (shared by the classifier and the evaluation, so both score the same decision)."""
    judged = []
    for i, mail in enumerate(mails):
        text, signals = mail.text, signals_of(mail)
        outcome = decide(assessment.probabilities[i], float(assessment.spam_backing[i]), model.labels,
                         signals, model.spam_threshold, config.confidence_threshold, has_words(text))
        judged.append(Judgement(outcome, priority_of(text, outcome.category, float(assessment.urgency[i])),
                                signals))
    return judged
