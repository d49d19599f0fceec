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
MAX_TOP_SIGNALS: Final = 5
"""Features published per decision: enough for staff to see why, small enough for every record."""
SIGNAL_NAME_LENGTH: Final = 60

Language = Literal["en", "es"]
Priority = Literal["high", "normal"]


class TopSignal(Record):
    """One feature behind a decision: a word or word pair of the message and its pull (the linear
    model's weight times the feature's TF-IDF value; negative pulls away from the category)."""

    name: str = Field(max_length=SIGNAL_NAME_LENGTH)
    weight: float


class Explanation(Record):
    """Why the model leaned the way it did: its strongest features towards ``towards`` (the decided
    category, or the model's best guess when the decision is ``human_review``)."""

    towards: str
    signals: tuple[TopSignal, ...] = Field(default=(), max_length=MAX_TOP_SIGNALS)


class Classification(Record):
    category: str
    """One of CATEGORIES, OTHER, or HUMAN_REVIEW below the confidence threshold."""
    confidence: float = Field(ge=0.0, le=1.0)
    language: Language
    priority: Priority = "normal"
    model_version: str = ""
    classified_at: datetime
    explanation: Explanation | None = None
    """Absent from records written before it existed and from staff decisions."""


class ClassifiedEmail(Record):
    schema_: Literal["planetmail.classified/v1"] = Field(CLASSIFIED_SCHEMA, alias="schema")
    id: str
    email: InboundEmail
    classification: Classification
