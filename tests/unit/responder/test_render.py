"""Acknowledgement bodies: every category and language, text and HTML, escaped, promises from config."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from planetmail.classification import CATEGORIES, HUMAN_REVIEW, LANGUAGES
from planetmail.inbound import Address, InboundEmail
from planetmail.pipeline_config import PipelineConfig, ResponsePromises, SenderIdentity
from responder.render import NoTemplateError, render

ACKNOWLEDGED = [c for c in CATEGORIES if c != "spam"] + [HUMAN_REVIEW]


def inbound(subject: str = "Hello", name: str = "Ann") -> InboundEmail:
    return InboundEmail.model_validate({
        "id": "01JDTRACK", "received_at": datetime(2026, 11, 26, tzinfo=UTC), "source": "api",
        "subject": subject, "from": Address(address="ann@example.com", name=name),
    })


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("category", ACKNOWLEDGED)
def test_every_category_and_language_has_text_and_html(category: str, language: str) -> None:
    bodies = render(inbound(), category, language, PipelineConfig())
    for body in (bodies.text, bodies.html):
        assert "01JDTRACK" in body
        assert "Daily Planet Reader Services" in body
    assert bodies.html.lstrip().startswith("<!DOCTYPE html>")
    assert f'lang="{language}"' in bodies.html
    assert "<" not in bodies.text


def test_categories_differ_in_what_happens_next() -> None:
    texts = {render(inbound(), c, "en", PipelineConfig()).text for c in ACKNOWLEDGED}
    assert len(texts) == len(ACKNOWLEDGED)


@pytest.mark.parametrize(("category", "language", "promise"), [
    ("complaints", "en", "within 24 hours"),
    ("complaints", "es", "24 horas"),
    ("news_tips", "en", "keep our sources confidential"),
    ("news_tips", "es", "confidencialidad de sus fuentes"),
    ("advertising", "en", "sales team will reply within 1 business day."),
    ("advertising", "es", "1 día hábil."),
])
def test_promises_in_the_body(category: str, language: str, promise: str) -> None:
    assert promise in render(inbound(), category, language, PipelineConfig()).text


def test_promises_and_identity_come_from_config() -> None:
    config = PipelineConfig(promises=ResponsePromises(complaints_hours=12, advertising_business_days=3),
                            sender=SenderIdentity(display_name="El Planeta Diario"))
    assert "within 12 hours" in render(inbound(), "complaints", "en", config).text
    spanish = render(inbound(), "advertising", "es", config).text
    assert "3 días hábiles" in spanish
    assert "El Planeta Diario" in spanish


def test_html_escapes_user_text_and_text_keeps_it() -> None:
    bodies = render(inbound(subject="<script>alert(1)</script>", name="Bob & <b>Co</b>"), "praise", "en",
                    PipelineConfig())
    assert "<script>" not in bodies.html
    assert "&lt;script&gt;" in bodies.html
    assert "Bob &amp; &lt;b&gt;Co&lt;/b&gt;" in bodies.html
    assert "<script>alert(1)</script>" in bodies.text


def test_unknown_category_gets_the_neutral_acknowledgement() -> None:
    config = PipelineConfig()
    assert render(inbound(), "obituaries", "en", config) == render(inbound(), HUMAN_REVIEW, "en", config)


def test_unknown_language_falls_back_to_the_default() -> None:
    assert 'lang="en"' in render(inbound(), "praise", "fr", PipelineConfig()).html


def test_spam_never_gets_a_template() -> None:
    with pytest.raises(NoTemplateError):
        render(inbound(), "spam", "en", PipelineConfig())


@pytest.mark.parametrize(("detected", "default", "expected"), [
    ("cs", "es", "es"),
    ("other", "es", "es"),
    ("es", "en", "es"),
    ("cs", "cs", "en"),
])
def test_a_language_without_templates_gets_the_configured_default(detected: str, default: str,
                                                                   expected: str) -> None:
    config = PipelineConfig(default_language=default)
    assert f'lang="{expected}"' in render(inbound(), "complaints", detected, config).html


def test_the_body_echoes_only_a_bounded_subject() -> None:
    text = render(inbound(subject="Win money " * 40), "praise", "en", PipelineConfig()).text
    assert "Win money " * 9 not in text
