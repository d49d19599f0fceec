"""What a mail system knows about a message besides its words: rules and header evidence.

These are explainable facts, not learned weights. The training mail cannot teach them: the Daily
Planet corpus has no headers at all and SpamAssassin's are from 2002, so a model would learn "has
headers" or "was relayed by 2002's servers" rather than anything true today. They enter the decision
as rules (``decision.py``) with the standards that define them:

- GTUBE, the Generic Test for Unsolicited Bulk Email: spam by definition (SpamAssassin's test string).
- The provider's spam and virus verdicts (SES, SendGrid, Mailgun, Postmark), when the record has them.
- Bulk mail: ``List-Id`` / ``List-Unsubscribe`` (RFC 2919, RFC 2369), ``Precedence: bulk|list|junk``,
  ``Auto-Submitted`` other than ``no`` (RFC 3834), ``Feedback-ID`` (bulk senders' loop), or an
  ``X-Mailer`` naming a bulk-mail engine. Readers write from mail clients, not list servers.
- Authentication: SPF, DKIM and DMARC all failing (a forged sender).
- URL and HTML facts (links, links to bare IP addresses, HTML-only bodies, images): these the model
  does learn, as a few dense features beside the n-grams (``content_features``), because both the
  corpus and SpamAssassin have bodies.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from typing import Final

import numpy as np
from numpy.typing import NDArray

from processor.mail import Mail

GTUBE: Final = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
BULK_PRECEDENCE: Final = frozenset({"bulk", "list", "junk"})
BULK_MAILERS: Final = re.compile(
    r"mailchimp|mailerlite|sendinblue|brevo|campaign ?monitor|constant ?contact|hubspot|marketo|"
    r"mailgun|sendgrid|klaviyo|acoustic|exacttarget|salesforce marketing|phplist|mailman|listserv|"
    r"majordomo|ezmlm|sympa|lyris|groupmail|massmail|bulk ?mail", re.IGNORECASE)
FAILED_AUTH: Final = frozenset({"fail", "softfail", "permerror"})
_URL = re.compile(r"\bhttps?://([^\s/\"'<>)]+)", re.IGNORECASE)
_IP_HOST = re.compile(r"^\d{1,3}(\.\d{1,3}){3}(:\d+)?$")
_IMAGE = re.compile(r"<img\b", re.IGNORECASE)
CONTENT_FEATURES: Final = ("links", "ip_links", "link_domains", "html_only", "images", "shouting_subject")
CONTENT_WEIGHT: Final = 0.5
"""Scale of the dense block beside the unit-length TF-IDF row: enough to matter, not to dominate."""


@dataclasses.dataclass(frozen=True)
class Signals:
    gtube: bool
    provider_spam: str | None
    """The provider's spam verdict (``pass``, ``fail``, ``unknown``) or None without one."""
    provider_virus: str | None
    provider_score: float | None
    bulk: tuple[str, ...]
    """The bulk-mail headers found (empty for a person's mail)."""
    auth_failed: tuple[str, ...]
    """Which of SPF, DKIM and DMARC failed."""
    received_count: int | None
    x_mailer: str
    links: int
    ip_links: int

    @property
    def forged(self) -> bool:
        """SPF, DKIM and DMARC all failed: the sender is not who it claims to be."""
        return len(self.auth_failed) == 3

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v not in (None, (), "", 0, False)}


def signals_of(mail: Mail) -> Signals:
    verdicts = mail.provider_verdicts or {}
    urls = _url_hosts(mail)
    return Signals(
        gtube=GTUBE in mail.subject or GTUBE in mail.body or GTUBE in (mail.html or ""),
        provider_spam=_verdict(verdicts.get("spam")),
        provider_virus=_verdict(verdicts.get("virus")),
        provider_score=_score(verdicts.get("score")),
        bulk=bulk_headers(mail),
        auth_failed=tuple(k for k in ("spf", "dkim", "dmarc") if (mail.auth.get(k) or "") in FAILED_AUTH),
        received_count=mail.received_count,
        x_mailer=mail.headers.get("x-mailer", "")[:120],
        links=len(urls),
        ip_links=sum(1 for host in urls if _IP_HOST.match(host)),
    )


def bulk_headers(mail: Mail) -> tuple[str, ...]:
    headers = mail.headers
    found = [name for name in ("list-id", "list-unsubscribe", "feedback-id") if headers.get(name)]
    precedence = (headers.get("precedence") or headers.get("x-precedence") or "").strip().lower()
    if precedence in BULK_PRECEDENCE:
        found.append(f"precedence:{precedence}")
    submitted = (headers.get("auto-submitted") or "").strip().lower()
    if submitted and not submitted.startswith("no"):
        found.append(f"auto-submitted:{submitted.split(';')[0]}")
    if BULK_MAILERS.search(headers.get("x-mailer", "")):
        found.append("x-mailer")
    return tuple(found)


def content_features(mails: Sequence[Mail]) -> NDArray[np.float32]:
    """The dense block the model learns from: ``CONTENT_FEATURES``, each squashed to about [0, 1]."""
    rows = np.zeros((len(mails), len(CONTENT_FEATURES)), dtype=np.float32)
    for i, mail in enumerate(mails):
        hosts = _url_hosts(mail)
        rows[i] = (
            _squash(len(hosts)), _squash(sum(1 for h in hosts if _IP_HOST.match(h))),
            _squash(len(set(hosts))), float(bool(mail.html) and not mail.body.strip()),
            _squash(len(_IMAGE.findall(mail.html or ""))), float(_shouting(mail.subject)),
        )
    return rows * CONTENT_WEIGHT


def _url_hosts(mail: Mail) -> list[str]:
    text = f"{mail.body[:20000]}\n{(mail.html or '')[:20000]}"
    return [m.group(1).lower().rstrip(".,;") for m in _URL.finditer(text)]


def _squash(count: int) -> float:
    return math.log1p(count) / math.log1p(20)


def _shouting(subject: str) -> bool:
    letters = [c for c in subject if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.7


def _verdict(value: object) -> str | None:
    return str(value).lower() if isinstance(value, str) and value else None


def _score(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
