"""What the classifier reads of a message, whatever carried it: a ``mail.received`` record, a raw
RFC 822 file (``planetmail classify``, the SpamAssassin corpus) or a labelled JSON line.

Headers are lower-cased names with their first (topmost) value, as the collector keeps them; the
provider's spam and virus verdicts are optional (only webhook providers give them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from planetmail.inbound import InboundEmail
from processor.text import readable_text


@dataclasses.dataclass(frozen=True)
class Mail:
    subject: str
    body: str
    html: str | None = None
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    auth: Mapping[str, str | None] = dataclasses.field(default_factory=dict)
    """SPF, DKIM and DMARC verdicts (``pass``, ``fail``, ...; None when unknown)."""
    received_count: int | None = None
    """How many Received headers the message had; None when the carrier did not say (the collector
    keeps no Received header, so records never say)."""
    provider_verdicts: Mapping[str, Any] | None = None
    """``{"spam": "pass"|"fail"|"unknown", "score": float|None, "virus": ..., "provider": str}``."""
    attachment_names: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The bounded text the model reads (subject and readable body)."""
        return readable_text(self.subject, self.body, self.html, self.attachment_names)


def plain(subject: str, body: str, html: str | None = None) -> Mail:
    """A message known only by its subject and body (a labelled JSON line, a test)."""
    return Mail(subject=subject, body=body, html=html)


MailLike = Mail | str
"""A message, or bare text (read as a body without subject or headers)."""


def as_mails(messages: Sequence[MailLike]) -> list[Mail]:
    return [m if isinstance(m, Mail) else Mail(subject="", body=m) for m in messages]


def from_inbound(email: InboundEmail) -> Mail:
    verdicts = getattr(email, "provider_verdicts", None)
    if verdicts is not None and not isinstance(verdicts, Mapping):
        verdicts = verdicts.model_dump() if hasattr(verdicts, "model_dump") else None
    return Mail(
        subject=email.subject, body=email.text, html=email.html, headers=dict(email.headers),
        auth={"spf": email.auth.spf, "dkim": email.auth.dkim, "dmarc": email.auth.dmarc},
        provider_verdicts=verdicts,
        attachment_names=tuple(a.filename for a in email.attachments if a.filename),
    )
