"""The live pipeline configuration (``/planetmail/config`` in ZooKeeper; env / SSM on AWS).

One typed document shared by every handler. Sources (ZooKeeper watch, environment, SSM) live in
``planetmail.config``; this module is only the schema and its defaults, so pure logic can use it
without any client.
"""

from __future__ import annotations

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
    backscatter_guard: bool = True


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
