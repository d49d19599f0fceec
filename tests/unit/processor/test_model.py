import dataclasses

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression

from planetmail.classification import CATEGORIES
from processor.mail import as_mails
from processor.model import LABELS, TrainingSet, TriageModel, calibrated_probabilities


def _set(texts, categories, urgent=None):
    return TrainingSet(mails=as_mails(texts), categories=categories, urgent=urgent)


def test_probabilities_cover_the_categories_and_other_and_sum_to_one(tiny_model):
    rows = tiny_model.model.assess(["cancel my subscription", "", "win money now"]).probabilities
    assert rows.shape == (3, len(CATEGORIES) + 1)
    assert np.allclose(rows.sum(axis=1), 1.0)
    assert tiny_model.model.labels == LABELS == (*CATEGORIES, "other")


def test_a_training_set_missing_a_category_is_refused():
    texts = [f"complaint number {i}" for i in range(10)] + [f"spam offer {i}" for i in range(10)]
    categories = ["complaints"] * 10 + ["spam"] * 10
    with pytest.raises(ValueError, match="no examples of"):
        TriageModel.fit(_set(texts, categories))


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
        "other",
    ]
    urgent = [True] * 6 + [False] * 5 + [None]
    model = TriageModel.fit(_set(texts * 3, categories * 3, urgent * 3))
    urgency = model.assess(["stolen card stop payment now", "lovely crossword"]).urgency
    assert urgency[0] > urgency[1]
    assert tiny_model.model.priority_head is None  # the tiny corpus has no high-priority label
    assert tiny_model.model.assess(["anything"]).urgency.tolist() == [0.0]


def test_a_message_is_spam_exactly_when_its_evidence_reaches_the_threshold(tiny_model):
    texts = ["You have won a million dollars click here to claim", "win money now", "cancel my subscription",
             "claim your free prize", "thanks for the crossword"]
    evidence = tiny_model.model.spam_evidence(tiny_model.model.featurize(texts))
    assert evidence.max() > 0.0
    for threshold in sorted({*evidence.tolist(), 0.01, 0.99}):
        if threshold <= 0.0:
            continue
        model = dataclasses.replace(tiny_model.model, spam_threshold=threshold)
        assert [p == "spam" for p in model.predict(texts)] == (evidence >= threshold).tolist()


def test_the_heads_probabilities_are_scikit_learns_own(tiny_model):
    """``calibrated_probabilities`` skips predict_proba's input checks, never its numbers."""
    model = tiny_model.model
    matrix = model.matrix(model.featurize(["cancel my subscription", "", "win money now", "¿dónde está?",
                                           "the crossword was lovely " * 40]))
    for head in (model.category_head, model.spam_head):
        expected = head.predict_proba(matrix)
        assert np.allclose(calibrated_probabilities(head, matrix), expected, rtol=0, atol=1e-12)
        assert np.allclose(calibrated_probabilities(head, matrix[:1]), expected[:1], rtol=0, atol=1e-12)


def test_a_head_the_fast_path_does_not_know_goes_through_predict_proba():
    rng = np.random.default_rng(3)
    features, labels = rng.normal(size=(60, 4)), np.array(["a", "b", "c"] * 20)
    head = CalibratedClassifierCV(LogisticRegression(), method="isotonic", cv=3).fit(features, labels)
    assert np.array_equal(calibrated_probabilities(head, features), head.predict_proba(features))
