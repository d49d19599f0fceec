"""Classify a batch of messages in one vectorised call: category, confidence, language, priority."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from planetmail.classification import HUMAN_REVIEW, Classification
from planetmail.inbound import utcnow
from planetmail.pipeline_config import PipelineConfig
from processor.artifact import LoadedModel
from processor.language import detect_languages
from processor.priority import priority_of
from processor.text import has_words


class Classifier:
    def __init__(self, loaded: LoadedModel) -> None:
        self._model = loaded.model
        self.version = loaded.card.version

    def classify(self, texts: Sequence[str], config: PipelineConfig,
                 at: datetime | None = None) -> list[Classification]:
        """One classification per text; below ``config.confidence_threshold`` it is human_review.

        A text without a single word (empty, binary junk) is not guessed at: human_review, confidence 0.
        """
        if not texts:
            return []
        classified_at = at or utcnow()
        languages = detect_languages(texts, config.default_language)
        probabilities, urgency = self._model.assess(texts)
        results = []
        for text, language, row, learned in zip(texts, languages, probabilities, urgency, strict=True):
            best = int(row.argmax())
            confidence = float(row[best]) if has_words(text) else 0.0
            category = self._model.labels[best]
            if not has_words(text) or confidence < config.confidence_threshold:
                category = HUMAN_REVIEW
            results.append(Classification(
                category=category, confidence=round(confidence, 4), language=language,
                priority=priority_of(text, category, float(learned)), model_version=self.version,
                classified_at=classified_at,
            ))
        return results
