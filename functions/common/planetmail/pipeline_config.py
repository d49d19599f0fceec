"""The live pipeline configuration (``/planetmail/config`` in ZooKeeper; env / SSM on AWS).

One typed document shared by every handler. Sources (ZooKeeper watch, environment, SSM) live in
``planetmail.config``; this module is only the schema and its defaults, so pure logic can use it
without any client.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from planetmail.classification import CATEGORIES, HUMAN_REVIEW, OTHER
from planetmail.topics import classified


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SenderIdentity(_Section):
    address: str = "readers@dailyplanet.example"
    display_name: str = "Daily Planet Reader Services"
    message_id_domain: str = "dailyplanet.example"


class ResponsePromises(_Section):
    """What the acknowledgement promises, per category (shown in the reply body)."""

    complaints_hours: int = Field(24, ge=1)
    advertising_business_days: int = Field(1, ge=1)
    questions_business_days: int = Field(2, ge=1)
    subscriptions_business_days: int = Field(1, ge=1)


class ReplyPolicyConfig(_Section):
    enabled: bool = True
    own_domains: tuple[str, ...] = ("dailyplanet.example",)
    per_recipient_cap: int = Field(3, ge=1)
    cap_window_seconds: int = Field(600, ge=1)
    """A sliding window: at most ``per_recipient_cap`` acknowledgements to one address in any span
    of this many seconds."""
    sender_authentication: Literal["aligned", "off"] = "aligned"
    """``aligned``: reply only when the From domain passes DMARC, or, without a DMARC verdict, when SPF
    or DKIM passes for a domain aligned with it (relaxed alignment); anything else is suppressed as
    ``sender_unauthenticated``. ``off``: no authentication check (a test bed without verdicts)."""
    backscatter_guard: bool = True
    """False also switches ``sender_authentication`` off (the setting's name before it existed)."""
    acknowledge_other_mail: bool = False
    """Ordinary mail that is not for the newspaper (newsletters, notifications: category ``other``)
    ends ``suppressed`` with reason ``not_reader_mail`` unless this is true."""
    max_subject_chars: int = Field(80, ge=10, le=200)
    """How much of the sender's subject the acknowledgement echoes (sanitised, then cut)."""
    hard_bounce_days: int = Field(30, ge=1)
    """How long an address refused as unknown (5.1.x) is not written to again."""


def _default_routing() -> dict[str, str]:
    return {category: classified(category) for category in (*CATEGORIES, OTHER, HUMAN_REVIEW)}


class PipelineConfig(_Section):
    confidence_threshold: float = Field(0.5, ge=0.0, le=1.0)
    routing: dict[str, str] = Field(default_factory=_default_routing)
    """Category → contract topic name (before any local topic prefix)."""
    sla_seconds: int = Field(300, ge=1)
    default_language: str = "en"
    model_version: str = ""
    """Empty means: whatever model artifact is installed."""
    sender: SenderIdentity = Field(default_factory=SenderIdentity)
    promises: ResponsePromises = Field(default_factory=ResponsePromises)
    reply_policy: ReplyPolicyConfig = Field(default_factory=ReplyPolicyConfig)
    operations_email: str | None = None
