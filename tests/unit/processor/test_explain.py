"""The top signals published with each decision (``processor.explain``) and their contract."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from planetmail import codec
from planetmail.classification import MAX_TOP_SIGNALS, ClassifiedEmail, Explanation
from planetmail.pipeline_config import PipelineConfig
from processor.explain import explain
from processor.mail import Mail
from processor.model import TOPICS
from processor.triage import explained

CANCEL = Mail(subject="Cancel", body="Please cancel my subscription from next month, I am moving abroad.")
QUESTION = Mail(subject="Crossword", body="Where can I find the answers to Sunday's crossword puzzle?")


def test_each_decision_names_a_few_words_of_its_message(classifier: Any) -> None:
    decisions = explained(classifier, [CANCEL, QUESTION], classifier.decide([CANCEL, QUESTION],
                                                                          PipelineConfig()))
    for mail, decision in zip([CANCEL, QUESTION], decisions, strict=True):
        explanation = decision.classification.explanation
        assert explanation is not None
        assert explanation.towards == decision.classification.category
        assert 0 < len(explanation.signals) <= MAX_TOP_SIGNALS
        words = mail.text.lower()
        assert all(all(part in words for part in signal.name.split()) for signal in explanation.signals)
        pulls = [abs(signal.weight) for signal in explanation.signals]
        assert pulls == sorted(pulls, reverse=True)


def test_human_review_is_explained_towards_the_models_best_guess(classifier: Any) -> None:
    (explanation,) = explain(classifier.model, [CANCEL], ["human_review"])
    assert explanation is not None
    assert explanation.towards in TOPICS  # a category the model has, not the review queue
    assert explanation.signals


def test_a_model_without_hashed_words_leaves_the_decision_unexplained(classifier: Any, monkeypatch:
                                                                       pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> list[Explanation | None]:
        raise TypeError("the model's first feature block is 'chars', not hashed words")

    monkeypatch.setattr("processor.triage.explain", broken)
    decisions = classifier.decide([CANCEL], PipelineConfig())
    assert explained(classifier, [CANCEL], decisions) == decisions  # routed anyway, without signals


def test_records_written_before_explanations_still_decode() -> None:
    old = {"schema": "planetmail.classified/v1", "id": "01OLD", "email": {
        "schema": "planetmail.email/v1", "id": "01OLD", "received_at": "2026-11-26T10:00:00Z",
        "source": "api", "from": {"address": "reader@example.com"}, "subject": "Hi", "text": "Hello"},
        "classification": {"category": "praise", "confidence": 0.9, "language": "en",
                           "classified_at": "2026-11-26T10:00:01Z"}}
    record = codec.decode_as(ClassifiedEmail, json.dumps(old))
    assert record.classification.explanation is None


def test_the_published_list_is_bounded() -> None:
    too_many = [{"name": f"word{i}", "weight": 0.1} for i in range(MAX_TOP_SIGNALS + 1)]
    with pytest.raises(ValidationError):
        Explanation.model_validate({"towards": "praise", "signals": too_many})
    with pytest.raises(ValidationError):
        Explanation.model_validate({"towards": "praise", "signals": [{"name": "x" * 61, "weight": 1.0}]})
