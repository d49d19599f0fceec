"""A raw RFC 822 message (a ``.eml`` file, a SpamAssassin corpus file) as the classifier reads it.

The same facts the collector keeps from a message: subject, plain and HTML bodies, lower-cased
headers (first occurrence), SPF/DKIM/DMARC from ``Authentication-Results``, and here also how many
``Received`` headers it had and SES's spam and virus verdicts when SES relayed it. SpamAssassin's
own verdict headers (``X-Spam-*``), which the corpus owners' filters added, are dropped: they would
tell the answer.
"""

from __future__ import annotations

import email
import re
from email.header import decode_header, make_header
from email.message import Message
from typing import Final

from processor.mail import Mail

_AUTH_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)
DROPPED_PREFIXES: Final = ("x-spam",)


def parse(raw: bytes) -> Mail:
    message = email.message_from_bytes(raw)  # compat32: five times faster than policy.default
    plain, html = _bodies(message)
    headers: dict[str, str] = {}
    for name, value in message.items():
        key = name.strip().lower()
        if not key.startswith(DROPPED_PREFIXES):
            headers.setdefault(key, " ".join(_decoded_header(value).split())[:2000])
    return Mail(
        subject=_decoded_header(message.get("subject", "")), body=plain, html=html, headers=headers,
        auth=_auth(headers.get("authentication-results", "")),
        received_count=len(message.get_all("received") or []),
        provider_verdicts=_ses_verdicts(headers),
        attachment_names=tuple(str(p.get_filename()) for p in message.walk() if p.get_filename()),
    )


def looks_like_rfc822(data: bytes) -> bool:
    """A JSON line starts with ``{``; a message starts with a header (or an mbox ``From `` line)."""
    head = data.lstrip()[:200]
    return not head.startswith(b"{") and (head.startswith(b"From ") or re.match(rb"^[\x21-\x39\x3b-\x7e]+:",
                                                                                 head) is not None)


def _ses_verdicts(headers: dict[str, str]) -> dict[str, object] | None:
    """SES's own verdict headers, when SES received the message (the other providers' verdicts come
    with their webhooks, which the collector reads)."""
    spam, virus = headers.get("x-ses-spam-verdict"), headers.get("x-ses-virus-verdict")
    if spam is None and virus is None:
        return None
    return {"spam": (spam or "unknown").lower(), "virus": (virus or "unknown").lower(), "score": None,
            "provider": "ses"}


def _auth(value: str) -> dict[str, str | None]:
    found: dict[str, str | None] = {"spf": None, "dkim": None, "dmarc": None}
    for method, verdict in _AUTH_RESULT.findall(value):
        found.setdefault(method.lower(), None)
        if found[method.lower()] is None:
            found[method.lower()] = verdict.lower()
    return found


def _decoded_header(value: object) -> str:
    try:
        return str(make_header(decode_header(str(value))))
    except (ValueError, LookupError, UnicodeError):  # malformed encoded words in 2002-era mail
        return str(value)


def _bodies(message: Message) -> tuple[str, str | None]:
    plain: list[str] = []
    html: list[str] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("text/plain", "text/html") and not part.get_filename():
            (plain if kind == "text/plain" else html).append(_decoded(part))
    return "\n".join(plain), "\n".join(html) or None


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    try:
        return payload.decode(part.get_content_charset() or "latin-1", errors="replace")
    except LookupError:
        return payload.decode("latin-1")
