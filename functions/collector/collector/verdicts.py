"""Each provider's own spam/virus verdict, normalised into ``ProviderVerdicts``.

Only fields the provider writes itself are read (a sender can put any X-Spam-* header in its own
message, so IMAP and the API get none); the topmost header wins, which is the one the provider added.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from planetmail.inbound import ProviderVerdict, ProviderVerdicts

SPAMASSASSIN_REQUIRED = 5.0
"""SpamAssassin's default threshold, for a SendGrid score whose report names no ``required``."""

_REQUIRED = re.compile(r"\(\s*(-?\d+(?:\.\d+)?)\s*points?\s*,\s*(-?\d+(?:\.\d+)?)\s*required\s*\)", re.I)
_YES = frozenset({"yes", "true", "spam", "fail", "failed"})
_NO = frozenset({"no", "false", "ham", "pass", "passed"})
_SES = {"PASS": "pass", "FAIL": "fail"}

SPAM_HEADERS = frozenset({"x-mailgun-sflag", "x-mailgun-sscore", "x-spam-status", "x-spam-score",
                          "x-ses-spam-verdict", "x-ses-virus-verdict"})
"""Header names the record keeps (``headers.KEPT_HEADERS``) so verdicts can be read from them."""


def score(value: str | None) -> float | None:
    """A provider's score (``"2.3"``, ``"-0.1"``), None when it is not a finite number."""
    try:
        number = float((value or "").strip().split()[0].rstrip(",;"))
    except (ValueError, IndexError):
        return None
    return number if abs(number) < 1e6 else None


def yes_no(value: str | None) -> ProviderVerdict:
    """``Yes``/``No`` (optionally followed by ``, score=...``) → fail/pass; anything else unknown."""
    word = re.split(r"[\s,;]", (value or "").strip(), maxsplit=1)[0].lower()
    if word in _YES:
        return "fail"
    if word in _NO:
        return "pass"
    return "unknown"


def mailgun(headers: Mapping[str, str]) -> ProviderVerdicts | None:
    """X-Mailgun-Sflag (Yes = Mailgun thinks it is spam) and X-Mailgun-Sscore."""
    if "x-mailgun-sflag" not in headers and "x-mailgun-sscore" not in headers:
        return None
    return ProviderVerdicts(provider="mailgun", spam=yes_no(headers.get("x-mailgun-sflag")),
                            score=score(headers.get("x-mailgun-sscore")))


def postmark(headers: Mapping[str, str]) -> ProviderVerdicts | None:
    """Postmark's SpamAssassin headers: X-Spam-Status (Yes/No) and X-Spam-Score."""
    if "x-spam-status" not in headers and "x-spam-score" not in headers:
        return None
    return ProviderVerdicts(provider="postmark", spam=yes_no(headers.get("x-spam-status")),
                            score=score(headers.get("x-spam-score")))


def sendgrid(spam_score: str | None, spam_report: str | None) -> ProviderVerdicts | None:
    """SendGrid's ``spam_score`` judged against the ``required`` its ``spam_report`` states (else
    SpamAssassin's default 5.0)."""
    if not (spam_score or spam_report):
        return None
    found = _REQUIRED.search(spam_report or "")
    value = score(spam_score) if spam_score else (float(found.group(1)) if found else None)
    required = float(found.group(2)) if found else SPAMASSASSIN_REQUIRED
    spam: ProviderVerdict = "unknown" if value is None else ("fail" if value >= required else "pass")
    return ProviderVerdicts(provider="sendgrid", spam=spam, score=value)


def ses(spam_verdict: Mapping[str, object], virus_verdict: Mapping[str, object]) -> ProviderVerdicts | None:
    """The receipt's spamVerdict / virusVerdict: PASS, FAIL, GRAY, PROCESSING_FAILED (→ unknown)."""
    if not (spam_verdict or virus_verdict):
        return None
    return ProviderVerdicts(provider="ses", spam=_ses_status(spam_verdict), virus=_ses_status(virus_verdict))


def _ses_status(verdict: Mapping[str, object]) -> ProviderVerdict:
    status = _SES.get(str(verdict.get("status", "")).upper())
    return "pass" if status == "pass" else "fail" if status == "fail" else "unknown"
