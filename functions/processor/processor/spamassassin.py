"""SpamAssassin's public corpus (real raw mail, 2002-2005) as a supplement for the spam question.

``spam-2`` messages are spam. ``easy-ham-2`` messages are real but are not newspaper mail (mailing
lists, tech newsletters), so they only ever teach the spam head "this is not spam"; they never
train or score the newspaper categories. Near-identical spam runs share a subject, so the group of
a message is its normalised subject: copies of one campaign land on the same side of the split.
"""

from __future__ import annotations

import email
import re
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Final

from processor.corpus import Example
from processor.text import message_text

SPAM_DIR: Final = "spam-2"
HAM_DIR: Final = "easy-ham-2"
_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw)\s*:\s*)+", re.IGNORECASE)
_NOISE = re.compile(r"[\d\W_]+")


def load_spamassassin(root: Path) -> list[Example]:
    """Spam and ham examples from ``root`` (the ``spamassassin`` folder); empty when absent."""
    examples = []
    for folder, category in ((SPAM_DIR, "spam"), (HAM_DIR, None)):
        for path in sorted((root / folder).glob("*")):
            examples.append(parse_message(path.read_bytes(), category, path.name))
    return examples


def parse_message(raw: bytes, category: str | None, name: str) -> Example:
    message = email.message_from_bytes(raw)  # compat32: five times faster than policy.default
    subject = _header(message, "subject")
    plain, html = _bodies(message)
    group = _NOISE.sub(" ", _REPLY_PREFIX.sub("", subject)).strip().lower() or name
    return Example(text=message_text(subject, plain, html), category=category,
                   group=f"spamassassin:{group}", source="spamassassin")


def _header(message: Message, name: str) -> str:
    try:
        return str(make_header(decode_header(message.get(name, ""))))
    except (ValueError, LookupError, UnicodeError):  # malformed encoded words in 2002-era mail
        return str(message.get(name, ""))


def _bodies(message: Message) -> tuple[str, str | None]:
    plain: list[str] = []
    html: list[str] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("text/plain", "text/html"):
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
