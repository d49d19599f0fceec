"""Acknowledgement bodies from the Jinja2 templates: one per category and language, text and HTML."""

from __future__ import annotations

import functools

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from planetmail.classification import HUMAN_REVIEW
from planetmail.inbound import InboundEmail
from planetmail.pipeline_config import PipelineConfig
from responder.compose import Bodies, echoed_subject, recipient_of

_ENVIRONMENT = Environment(
    loader=PackageLoader("responder", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


class NoTemplateError(LookupError):
    """Asked to acknowledge a category that never gets one (spam)."""


def template_category(category: str) -> str:
    """Categories without a template of their own (a taxonomy extended by config) get the neutral one."""
    if category == "spam":
        raise NoTemplateError("spam is never acknowledged")
    return category if category in _categories_with_templates() else HUMAN_REVIEW


@functools.cache
def _categories_with_templates() -> frozenset[str]:
    return frozenset(name.split("/")[1].split(".")[0] for name in _ENVIRONMENT.list_templates())


@functools.cache
def template_languages() -> frozenset[str]:
    """The languages acknowledgements exist in: one folder of templates each."""
    return frozenset(name.split("/")[0] for name in _ENVIRONMENT.list_templates() if "/" in name)


FALLBACK_LANGUAGE = "en"


def reply_language(language: str, config: PipelineConfig) -> str:
    """The detected language when templates exist for it, else the configured default (Czech mail is
    answered in the default language, not in whichever supported language the detector came closest to);
    English when even the default has no templates."""
    languages = template_languages()
    if language in languages:
        return language
    return config.default_language if config.default_language in languages else FALLBACK_LANGUAGE


def render(email: InboundEmail, category: str, language: str, config: PipelineConfig) -> Bodies:
    name = f"{reply_language(language, config)}/{template_category(category)}"
    context = {
        "name": recipient_of(email, config).name,
        "subject": echoed_subject(email.subject, config.reply_policy.max_subject_chars),
        "tracking_id": email.id,
        "signature": config.sender.display_name,
        "promises": config.promises,
    }
    return Bodies(
        text=_ENVIRONMENT.get_template(f"{name}.txt.j2").render(context),
        html=_ENVIRONMENT.get_template(f"{name}.html.j2").render(context),
    )
