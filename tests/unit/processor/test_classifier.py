import pytest

from planetmail.inbound import InboundEmail
from planetmail.pipeline_config import PipelineConfig
from processor.mail import from_inbound

DEFAULT = PipelineConfig()


def _email(**fields):
    return InboundEmail(
        id="01TEST",
        received_at="2026-11-26T10:00:00Z",
        source="api",
        **{"from": {"address": "reader@example.com"}},
        **fields,
    )


def test_a_batch_gets_one_classification_each(classifier):
    results = classifier.classify(
        [
            "Please cancel my subscription from next month",
            "Quiero cancelar mi suscripción desde el mes que viene",
        ],
        DEFAULT,
    )
    assert [r.category for r in results] == ["subscriptions", "subscriptions"]
    assert [r.language for r in results] == ["en", "es"]
    assert all(r.model_version == classifier.version for r in results)


def test_below_the_threshold_it_is_human_review(classifier):
    text = ["Please cancel my subscription from next month"]
    confident = classifier.classify(text, PipelineConfig(confidence_threshold=0.0))[0]
    doubtful = classifier.classify(text, PipelineConfig(confidence_threshold=1.0))[0]
    assert confident.category == "subscriptions"
    assert doubtful.category == "human_review"
    assert doubtful.confidence == confident.confidence


def test_classification_is_deterministic_and_independent_of_the_batch(classifier):
    text = "The newspaper arrived soaked and torn again. My lawyer will hear about this!"
    alone = classifier.classify([text], DEFAULT)[0]
    batched = classifier.classify(["Hola", text, "win money"], DEFAULT)[1]
    again = classifier.classify([text], DEFAULT)[0]
    fields = ("category", "confidence", "language", "priority")
    assert [getattr(alone, f) for f in fields] == [getattr(batched, f) for f in fields]
    assert [getattr(alone, f) for f in fields] == [getattr(again, f) for f in fields]
    assert alone.priority == "high"


@pytest.mark.parametrize(
    "email",
    [
        _email(),
        _email(subject="", text=""),
        _email(text="\x00\x01\x02\x7f\ufffd" * 1000),
        _email(attachments=[{"filename": "", "content_type": "image/png", "size": 10}]),
    ],
    ids=["empty", "empty-subject-and-body", "binary-garbage", "nameless-attachment"],
)
def test_nothing_to_read_is_human_review_with_no_confidence(classifier, email):
    result = classifier.classify([from_inbound(email)], DEFAULT)[0]
    assert result.category == "human_review"
    assert result.confidence == 0.0
    assert result.language == DEFAULT.default_language


@pytest.mark.parametrize(
    "email",
    [
        _email(subject="Delivery", html="<p>My paper was not delivered again this morning</p>"),
        _email(subject="Big", text="My paper was not delivered again this morning. " * 120_000),
        _email(subject="Press", attachments=[{"filename": "press_release_fire_at_the_mill.pdf"}]),
        _email(subject="Bitte", text="Ich möchte mein Abonnement sofort kündigen, danke schön"),
    ],
    ids=["html-only", "5MB-body", "attachment-only", "german"],
)
def test_odd_mail_still_gets_a_category_or_human_review(classifier, email):
    result = classifier.classify([from_inbound(email)], DEFAULT)[0]
    assert result.category in (*classifier.model.labels, "human_review")
    assert result.language in ("en", "es")


def test_an_empty_batch_is_an_empty_answer(classifier):
    assert classifier.classify([], DEFAULT) == []


def test_the_configured_default_language_is_used(classifier):
    result = classifier.classify(["ok"], PipelineConfig(default_language="es"))[0]
    assert result.language == "es"
