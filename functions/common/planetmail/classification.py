"""What the processor decided about a message; ``mail.classified.<category>`` records carry it."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from pydantic import Field

from planetmail.inbound import InboundEmail, Record

CLASSIFIED_SCHEMA: Final = "planetmail.classified/v1"

CATEGORIES = ("subscriptions", "complaints", "praise", "questions", "news_tips", "advertising", "spam")
HUMAN_REVIEW = "human_review"
OTHER = "other"
"""Real mail that is neither newspaper mail nor spam (newsletters, notifications, personal mail):
routed to its own topic and not acknowledged."""
UNACKNOWLEDGED = ("spam", OTHER)
"""Outcomes the processor never asks the responder to acknowledge."""
LANGUAGES = ("en", "es")

Language = Literal["en", "es"]
Priority = Literal["high", "normal"]


class Classification(Record):
    category: str
    """One of CATEGORIES, OTHER, or HUMAN_REVIEW below the confidence threshold."""
    confidence: float = Field(ge=0.0, le=1.0)
    language: Language
    priority: Priority = "normal"
    model_version: str = ""
    classified_at: datetime


class ClassifiedEmail(Record):
    schema_: Literal["planetmail.classified/v1"] = Field(CLASSIFIED_SCHEMA, alias="schema")
    id: str
    email: InboundEmail
    classification: Classification
