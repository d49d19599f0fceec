"""Text of HTML-only mail, from at most ``limits.MAX_HTML_TEXT_BYTES`` characters of the HTML (the
whole HTML stays in the record or, when too large, in S3)."""

from __future__ import annotations

from collector.limits import MAX_HTML_TEXT_BYTES
from planetmail.html_text import html_to_text


def text_from_html(document: str) -> str:
    return html_to_text(document[:MAX_HTML_TEXT_BYTES])
