"""The text a message is classified on: subject and readable body, cleaned and bounded.

Mail arrives with HTML-only bodies, attachments and no text, multi-megabyte bodies and binary junk;
every case becomes a bounded plain string so the model sees comparable input and never slows down.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Final

from planetmail.html_text import html_to_text as shared_html_to_text
from planetmail.inbound import InboundEmail

FEATURE_CHARS: Final = 2000
"""Characters of a message the model sees: the start of a letter says what it is about."""
RAW_HTML_CHARS: Final = 10 * FEATURE_CHARS
"""HTML is cut before parsing, so a 5 MB body costs no more than a short one."""

_SPACES = re.compile(r"[ \t\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_WORD = re.compile(r"[^\W\d_]{2,}")


def html_to_text(html: str) -> str:
    return shared_html_to_text(html[:RAW_HTML_CHARS])


def clean(text: str) -> str:
    """Printable text only (binary junk and control characters dropped), whitespace squeezed."""
    kept = "".join(c if c in "\n\t" or unicodedata.category(c)[0] != "C" else " " for c in text)
    kept = kept.replace("\ufffd", " ")
    return _BLANK_LINES.sub("\n\n", _SPACES.sub(" ", kept)).strip()


def message_text(subject: str, body: str, html: str | None = None) -> str:
    """Subject and body as the model reads them; the HTML stands in when there is no plain body."""
    readable = body[: 2 * FEATURE_CHARS]
    if not readable.strip() and html:
        readable = html_to_text(html)
    return clean(f"{subject[:FEATURE_CHARS]}\n{readable}")[:FEATURE_CHARS]


def readable_text(subject: str, body: str, html: str | None, attachment_names: Sequence[str] = ()) -> str:
    """``message_text``; attachment names stand in when there is nothing else to read."""
    text = message_text(subject, body, html)
    if not has_words(text) and attachment_names:
        text = clean(f"{text}\n{' '.join(attachment_names)}")[:FEATURE_CHARS]
    return text


def email_text(email: InboundEmail) -> str:
    """An inbound record's text as the model reads it."""
    return readable_text(email.subject, email.text, email.html,
                         [a.filename for a in email.attachments if a.filename])


def has_words(text: str) -> bool:
    return _WORD.search(text) is not None
