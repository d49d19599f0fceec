"""The ``planetmail.email/v1`` record: one inbound message, normalised from any source."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

EMAIL_SCHEMA: Final = "planetmail.email/v1"

Source = Literal["api", "sendgrid", "mailgun", "postmark", "ses", "imap"]
Verdict = Literal["pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", "policy"]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_tracking_id(now: float | None = None) -> str:
    """A ULID: 48-bit millisecond time + 80 random bits, Crockford base32, sortable by arrival."""
    millis = int((time.time() if now is None else now) * 1000)
    value = (millis << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        chars.append(_CROCKFORD[digit])
    return "".join(reversed(chars))


def utcnow() -> datetime:
    return datetime.now(UTC)


class Record(BaseModel):
    """Base of every Kafka value: immutable, unknown fields kept out, aliases on the wire."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Address(Record):
    address: str
    name: str = ""

    @property
    def normalised(self) -> str:
        return self.address.strip().lower()


class Attachment(Record):
    """Attachment metadata; the bytes live in S3 (claim check)."""

    filename: str = ""
    content_type: str = "application/octet-stream"
    size: int = 0
    sha256: str = ""
    content_id: str | None = None
    s3_uri: str | None = None


class AuthResults(Record):
    """SPF / DKIM / DMARC verdicts as the provider reported them (None = unknown)."""

    spf: Verdict | None = None
    dkim: Verdict | None = None
    dmarc: Verdict | None = None


ProviderVerdict = Literal["pass", "fail", "unknown"]


class ProviderVerdicts(Record):
    """What the receiving provider itself concluded about the message, normalised.

    Shape (read by the processor and the responder's policy): ``{"spam": "pass"|"fail"|"unknown",
    "score": float|None, "virus": "pass"|"fail"|"unknown", "provider": str}``. ``spam: "fail"`` means
    the provider judged it spam; ``score`` is the provider's own spam score (SpamAssassin-like, higher
    is spammier) when it gives one. Set only from fields the provider writes itself (Mailgun's
    X-Mailgun-Sflag/-Sscore, SendGrid's spam_score/spam_report, Postmark's X-Spam-Status/-Score, SES's
    spamVerdict/virusVerdict); None on the record when the provider said nothing.
    """

    spam: ProviderVerdict = "unknown"
    score: float | None = None
    virus: ProviderVerdict = "unknown"
    provider: str


class InboundEmail(Record):
    schema_: Literal["planetmail.email/v1"] = Field(EMAIL_SCHEMA, alias="schema")
    id: str
    received_at: datetime
    source: Source
    provider_event_id: str | None = None
    message_id: str | None = None
    subject: str = ""
    from_: Address = Field(alias="from")
    to: list[Address] = Field(default_factory=list)
    cc: list[Address] = Field(default_factory=list)
    reply_to: list[Address] = Field(default_factory=list)
    envelope_from: str | None = None
    """SMTP MAIL FROM / Return-Path; the empty string is the null sender ``<>``."""
    envelope_to: list[str] = Field(default_factory=list)
    date: datetime | None = None
    content_type: str = "text/plain"
    """Top-level MIME type, e.g. ``multipart/report`` for a bounce."""
    report_type: str | None = None
    text: str = ""
    html: str | None = None
    body_truncated: bool = False
    """True when ``text``/``html`` were cut to keep the record small; the whole message is at raw_s3_uri."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Headers the reply policy and threading need, names lower-cased (first occurrence wins)."""
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    auth: AuthResults = Field(default_factory=AuthResults)
    raw_s3_uri: str | None = None
    provider_verdicts: ProviderVerdicts | None = None
    """The receiving provider's spam/virus verdicts (see ProviderVerdicts); additive, optional."""

    @property
    def sender(self) -> str:
        """The lower-cased sender address: the ``mail.received`` partition key."""
        return self.from_.normalised
