import dataclasses

import numpy as np
import pytest

from planetmail.classification import CATEGORIES
from processor.model import TrainingSet, TriageModel


def test_probabilities_cover_the_seven_categories_and_sum_to_one(tiny_model):
    rows = tiny_model.model.probabilities(["cancel my subscription", "", "win money now"])
    assert rows.shape == (3, len(CATEGORIES))
    assert np.allclose(rows.sum(axis=1), 1.0)
    assert tiny_model.model.labels == CATEGORIES


def test_a_training_set_missing_a_category_is_refused():
    texts = [f"complaint number {i}" for i in range(10)] + [f"spam offer {i}" for i in range(10)]
    categories = ["complaints"] * 10 + ["spam"] * 10
    with pytest.raises(ValueError, match="no examples of"):
        TriageModel.fit(TrainingSet(texts=texts, categories=categories))


def test_predictions_follow_the_training_labels(tiny_model):
    predictions = tiny_model.model.predict(
        [
            "Please cancel my subscription from next month",
            "You have won a million dollars click here to claim",
        ]
    )
    assert predictions == ["subscriptions", "spam"]


def test_priority_is_learned_only_from_labelled_examples(tiny_model):
    texts = [f"stolen card stop payment now {i}" for i in range(6)] + [
        f"lovely crossword {i}" for i in range(6)
    ]
    categories = ["subscriptions", "praise"] * 3 + [
        "complaints",
        "questions",
        "news_tips",
        "advertising",
        "spam",
        None,
    ]
    urgent = [True] * 6 + [False] * 5 + [None]
    model = TriageModel.fit(TrainingSet(texts=texts * 3, categories=categories * 3, urgent=urgent * 3))
    _, urgency = model.assess(["stolen card stop payment now", "lovely crossword"])
    assert urgency[0] > urgency[1]
    assert tiny_model.model.priority_head is None  # the tiny corpus has no high-priority label
    assert tiny_model.model.assess(["anything"])[1].tolist() == [0.0]


def test_a_message_is_spam_exactly_when_its_evidence_reaches_the_threshold(tiny_model):
    texts = ["You have won a million dollars click here to claim", "win money now", "cancel my subscription",
             "claim your free prize", "thanks for the crossword"]
    evidence = tiny_model.model.spam_evidence(tiny_model.model.counter.transform(texts))
    assert evidence.max() > 0.0
    for threshold in sorted({*evidence.tolist(), 0.01, 0.99}):
        if threshold <= 0.0:
            continue
        model = dataclasses.replace(tiny_model.model, spam_threshold=threshold)
        assert [p == "spam" for p in model.predict(texts)] == (evidence >= threshold).tolist()
