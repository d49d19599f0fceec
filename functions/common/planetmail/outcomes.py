"""Why a message gets no acknowledgement, decided alike by the processor and the responder.

Did the receiving provider already call it spam (or a virus)? Then it is never answered.

Read defensively: ``provider_verdicts`` (``{"spam": "pass"|"fail"|"unknown", "score", "virus",
"provider"}``, set at intake) may be absent on older records, so the spam headers that providers add
and the collector keeps (``X-SES-Spam-Verdict``, ``X-Spam-Flag``, ``X-Spam-Status``,
``X-Mailgun-Sflag``) are a second opinion. Both the processor (messages it does not hand to the
responder) and the responder (its reply policy) ask here, so they decide alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

PROVIDER_SPAM: Final = "provider_spam"
PROVIDER_VIRUS: Final = "provider_virus"
SPAM: Final = "spam"
NOT_READER_MAIL: Final = "not_reader_mail"
NOT_ACKNOWLEDGED: Final = "not_acknowledged"
OTHER_MAIL: Final = "other"
"""The classifier's category for ordinary mail that is not for the newspaper."""

_YES_HEADERS: Final = ("x-spam-flag", "x-mailgun-sflag")


def provider_verdicts(email: object) -> Mapping[str, Any]:
    """The record's ``provider_verdicts`` as a mapping; empty when it has none."""
    verdicts = getattr(email, "provider_verdicts", None)
    if verdicts is None:
        return {}
    if isinstance(verdicts, Mapping):
        return verdicts
    dump = getattr(verdicts, "model_dump", None)
    return dump() if callable(dump) else {}


def provider_flag(email: object) -> str | None:
    """``provider_virus`` / ``provider_spam`` when the provider flagged the message, else None."""
    verdicts = provider_verdicts(email)
    if _failed(verdicts.get("virus")):
        return PROVIDER_VIRUS
    if _failed(verdicts.get("spam")) or _spam_headers(getattr(email, "headers", {}) or {}):
        return PROVIDER_SPAM
    return None


def _failed(verdict: object) -> bool:
    return isinstance(verdict, str) and verdict.strip().lower() == "fail"


def _spam_headers(headers: Mapping[str, str]) -> bool:
    if headers.get("x-ses-spam-verdict", "").strip().upper() == "FAIL":
        return True
    if any(headers.get(name, "").strip().lower().startswith("yes") for name in _YES_HEADERS):
        return True
    return headers.get("x-spam-status", "").strip().lower().startswith("yes")


def unanswered_reason(email: object, category: str) -> str:
    """The ``detail.reason`` of a message that will not be acknowledged (the processor did not ask)."""
    flagged = provider_flag(email)
    if flagged is not None:
        return flagged
    if category == SPAM:
        return SPAM
    return NOT_READER_MAIL if category == OTHER_MAIL else NOT_ACKNOWLEDGED
