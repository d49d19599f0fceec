"""Named caps on what one message may make the collector parse, checked before the expensive step.

The standard library's ``email`` and ``html.parser`` code is recursive or quadratic on hostile input
(5,000 nested comments in a From, MIME nested 1,000 deep, 20,000 encoded-words, a Content-Type with
4,000 parameters, ``"<a "`` × 20,000): each cap below keeps one of those under a few milliseconds and
is named in the 400 it causes, so a sender (or whoever reads the quarantine) knows which one was hit.
The figures are far above what real mail carries (the provider captures and the SpamAssassin corpus
pass untouched) and far below where the parsers degrade.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TypeVar

from collector.delivery import Delivery
from collector.problems import BadRequest, Problem

MAX_HEADER_BLOCK_BYTES = 256 * 1024
"""Bytes of one header block (the top-level one of a MIME message, or a provider's header list)."""
MAX_HEADER_COUNT = 1000
"""Header fields in one block."""
MAX_HEADER_VALUE_BYTES = 32 * 1024
"""Bytes of one (unfolded) header value."""
MAX_ENCODED_WORDS = 200
"""RFC 2047 encoded-words (``=?charset?q?...?=``) in one header value: decoding is quadratic in them."""
MAX_COMMENT_DEPTH = 50
"""Nesting of ``(...)`` comments in one header: the address parsers recurse once per level."""
MAX_CONTENT_PARAMS = 64
"""Parameters of one Content-Type or Content-Disposition header."""
MAX_ADDRESSES = 500
"""Addresses in To + Cc (+ Reply-To) together."""
MAX_SUBJECT_CHARS = 4096
"""Characters of the decoded subject."""
MAX_MIME_CONTAINERS = 50
"""multipart/* and message/* entities in one message: the parser recurses into each."""
MAX_MIME_PARTS = 500
"""MIME entities in one message (every body part and container)."""
MAX_BOUNDARY_LINES = 5000
"""Lines starting with ``--`` before parsing (an upper bound of the parts, counted in one pass)."""
MAX_ATTACHMENTS = 100
"""Attachments of one message; each is one S3 PUT."""
MAX_FORM_PARTS = 1000
"""Parts of one multipart/form-data body, counted before it is parsed (and before Mailgun's signature,
which is inside the form, can be checked)."""
MAX_HTML_TEXT_BYTES = 1024 * 1024
"""Characters of HTML converted to text for HTML-only mail; the rest stays in the HTML (and S3)."""

_ENCODED_WORD = re.compile(rb"=\?")
_CONTENT_HEADER = re.compile(rb"(?im)^content-(?:type|disposition):[^\n]*(?:\n[ \t][^\n]*)*")
_CONTAINER = re.compile(rb"(?im)^content-type:\s*(?:multipart|message)/")
_BOUNDARY_LINE = re.compile(rb"(?m)^--")
_HEADER_END = re.compile(rb"\r?\n\r?\n")

T = TypeVar("T")


def exceeded(cap: str, found: int, limit: int, what: str) -> BadRequest:
    return BadRequest(f"{what}: {found} is over the limit {cap}={limit}")


def check_raw_message(raw: bytes) -> None:
    """Everything about a MIME message that can be bounded in linear passes before the parser runs."""
    end = _HEADER_END.search(raw)
    block = raw[: end.start()] if end else raw
    if len(block) > MAX_HEADER_BLOCK_BYTES:
        raise exceeded("MAX_HEADER_BLOCK_BYTES", len(block), MAX_HEADER_BLOCK_BYTES, "the header block")
    check_headers(_raw_fields(block))
    containers = len(_CONTAINER.findall(raw))
    if containers > MAX_MIME_CONTAINERS:
        raise exceeded("MAX_MIME_CONTAINERS", containers, MAX_MIME_CONTAINERS, "multipart/message entities")
    boundaries = len(_BOUNDARY_LINE.findall(raw))
    if boundaries > MAX_BOUNDARY_LINES:
        raise exceeded("MAX_BOUNDARY_LINES", boundaries, MAX_BOUNDARY_LINES, "lines starting with '--'")
    for found in _CONTENT_HEADER.finditer(raw):
        _check_params(found.group().decode("latin-1"))


def check_headers(pairs: Iterable[tuple[str, str]]) -> None:
    """Caps on one header block given as (name, value) pairs, before any of it is decoded."""
    total = 0
    for count, (name, value) in enumerate(pairs, start=1):
        total += len(name) + len(value)
        if count > MAX_HEADER_COUNT:
            raise exceeded("MAX_HEADER_COUNT", count, MAX_HEADER_COUNT, "header fields")
        check_header_value(name, value)
    if total > MAX_HEADER_BLOCK_BYTES:
        raise exceeded("MAX_HEADER_BLOCK_BYTES", total, MAX_HEADER_BLOCK_BYTES, "the header block")


def check_header_value(name: str, value: str) -> None:
    what = f"header {name[:40]!r}"
    size = len(value.encode("utf-8", "surrogateescape"))
    if size > MAX_HEADER_VALUE_BYTES:
        raise exceeded("MAX_HEADER_VALUE_BYTES", size, MAX_HEADER_VALUE_BYTES, what)
    words = len(_ENCODED_WORD.findall(value.encode("utf-8", "surrogateescape")))
    if words > MAX_ENCODED_WORDS:
        raise exceeded("MAX_ENCODED_WORDS", words, MAX_ENCODED_WORDS, f"encoded-words in {what}")
    depth = comment_depth(value)
    if depth > MAX_COMMENT_DEPTH:
        raise exceeded("MAX_COMMENT_DEPTH", depth, MAX_COMMENT_DEPTH, f"nested comments in {what}")
    if name.strip().lower() in ("content-type", "content-disposition"):
        _check_params(value)


def comment_depth(value: str) -> int:
    """The deepest nesting of parentheses (quoted-pairs skipped), in one pass."""
    depth = deepest = 0
    escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(depth - 1, 0)
    return deepest


def check_count(cap: str, found: int, limit: int, what: str) -> None:
    if found > limit:
        raise exceeded(cap, found, limit, what)


def check_delivery(delivery: Delivery) -> None:
    """The caps on a converted message, before anything of it is stored (each attachment is a PUT)."""
    email = delivery.email
    check_count("MAX_SUBJECT_CHARS", len(email.subject), MAX_SUBJECT_CHARS, "characters in the subject")
    check_count("MAX_ATTACHMENTS", len(delivery.attachments), MAX_ATTACHMENTS, "attachments")
    addresses = len(email.to) + len(email.cc) + len(email.reply_to)
    check_count("MAX_ADDRESSES", addresses, MAX_ADDRESSES, "addresses in To, Cc and Reply-To")


def check_form_parts(boundary: bytes, body: bytes) -> None:
    parts = body.count(b"--" + boundary) - 1
    check_count("MAX_FORM_PARTS", parts, MAX_FORM_PARTS, "multipart form parts")


def guarded(what: str, convert: Callable[..., T], *args: object) -> T:
    """``convert(*args)``, with any exception but a Problem turned into a 400 naming it.

    The parsers raise RecursionError, AssertionError and friends on input nobody foresaw; one
    message's failure to parse is that message's 400 (or its IMAP quarantine), never a 500.
    """
    try:
        return convert(*args)
    except Problem:
        raise
    except Exception as exc:
        raise BadRequest(f"{what} could not be parsed: {type(exc).__name__}: {str(exc)[:200]}") from None


def _check_params(value: str) -> None:
    params = value.count(";")
    if params > MAX_CONTENT_PARAMS:
        raise exceeded("MAX_CONTENT_PARAMS", params, MAX_CONTENT_PARAMS, "Content-Type parameters")


def _raw_fields(block: bytes) -> list[tuple[str, str]]:
    """The header block's fields, unfolded, as latin-1 text (lossless: the checks count bytes)."""
    fields: list[tuple[str, str]] = []
    for line in block.decode("latin-1").splitlines():
        if line[:1] in (" ", "\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + line)
        elif line:
            name, _, value = line.partition(":")
            fields.append((name, value))
    return fields
