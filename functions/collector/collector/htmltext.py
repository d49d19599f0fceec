"""Plain text from the HTML of HTML-only mail, in one linear pass.

``html.parser`` (behind ``planetmail.html_text``) rescans the rest of the document for every tag it
cannot close: 60 KB of ``"<a "`` took 30 s, and ``"<![<![x"`` raised AssertionError. This scanner
finds each construct's end with ``str.find`` from where it starts and never looks back, so the cost
is proportional to the input, whatever it holds; only ``limits.MAX_HTML_TEXT_BYTES`` characters
are read. The output follows ``planetmail.html_text``: visible text, block elements on their own
lines, script/style/head contents dropped, character references decoded.
"""

from __future__ import annotations

import html
import re

from collector.limits import MAX_HTML_TEXT_BYTES

_BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
                     "pre", "table", "ul", "ol", "hr", "section", "article", "header", "footer"})
_HIDDEN = frozenset({"script", "style", "head", "title", "template"})
_TAG_NAME = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_ENDS = {"<!--": "-->", "<![CDATA[": "]]>", "<!": ">", "<?": ">"}


def text_from_html(document: str) -> str:
    parts = _visible_parts(document[:MAX_HTML_TEXT_BYTES])
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _visible_parts(document: str) -> list[str]:
    parts: list[str] = []
    position = 0
    size = len(document)
    while position < size:
        start = document.find("<", position)
        if start < 0:
            parts.append(html.unescape(document[position:]))
            break
        parts.append(html.unescape(document[position:start]))
        position = _after_markup(document, start, parts)
    return parts


def _after_markup(document: str, start: int, parts: list[str]) -> int:
    """Handle the markup at ``start`` (a ``<``) and return where text resumes."""
    for opener, closer in _ENDS.items():
        if document.startswith(opener, start):
            end = document.find(closer, start + len(opener))
            return len(document) if end < 0 else end + len(closer)
    tag = _TAG_NAME.match(document, start)
    if tag is None:  # a lone '<' is text, as browsers show it
        parts.append("<")
        return start + 1
    end = document.find(">", tag.end())
    if end < 0:
        return len(document)
    name = tag.group(1).lower()
    closing = document.startswith("</", start)
    if name in _HIDDEN and not closing:
        return _after_hidden(document, name, end + 1)
    if name in _BLOCKS:
        parts.append("\n")
    return end + 1


def _after_hidden(document: str, name: str, position: int) -> int:
    """Skip a script/style/head body up to its closing tag (the document's end when there is none)."""
    found = re.compile(rf"</{name}\b", re.IGNORECASE).search(document, position)
    end = -1 if found is None else document.find(">", found.end())
    return len(document) if end < 0 else end + 1
