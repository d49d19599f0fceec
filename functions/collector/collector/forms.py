"""HTML form bodies (multipart/form-data and urlencoded) as the webhook providers post them.

Parsed with the standard library's email parser rather than a streaming form parser: the whole body
is in memory anyway (Lambda), and a field of any size (a 25 MB raw ``email``) is just one part.
"""

from __future__ import annotations

import dataclasses
import re
from email.message import Message
from email.parser import BytesParser
from email.policy import Compat32
from email.utils import collapse_rfc2231_value
from urllib.parse import parse_qsl

from collector import headers, limits
from collector.problems import BadRequest, UnsupportedMediaType

MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"


class _PartHeaders(Compat32):
    """A form part's header values as plain strings: unfolded, raw 8-bit bytes read as UTF-8.

    The standard library's default policy builds a header object on every read, and a part is read
    three or four times (name, filename, content type, transfer encoding): cProfile put that at 62 %
    of parsing a SendGrid form. Form headers need no more than their parameters, which ``Message``
    parses from the string either way.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        return headers.with_8bit_as_utf8(_FOLDING.sub("", value))


_FOLDING = re.compile(r"\r?\n(?=[ \t])")
_POLICY = _PartHeaders()


@dataclasses.dataclass(frozen=True)
class FilePart:
    filename: str
    content_type: str
    content: bytes


@dataclasses.dataclass(frozen=True)
class Form:
    fields: dict[str, bytes]
    files: dict[str, FilePart]

    def text(self, name: str, charset: str = "utf-8") -> str:
        value = self.fields.get(name, b"")
        try:
            return value.decode(charset or "utf-8", "replace")
        except LookupError:
            return value.decode("utf-8", "replace")

    def has(self, name: str) -> bool:
        return name in self.fields


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def require_media_type(content_type: str | None, accepted: tuple[str, ...]) -> str:
    """The request's media type when it is one of ``accepted``; 415 naming what to send otherwise."""
    kind = media_type(content_type)
    if kind not in accepted:
        wanted = " or ".join(accepted)
        raise UnsupportedMediaType(f"Content-Type {kind or '(none)'!r} is not accepted here; send {wanted}")
    return kind


def parse(content_type: str | None, body: bytes, accepted: tuple[str, ...] = (MULTIPART, URLENCODED)) -> Form:
    kind = require_media_type(content_type, accepted)
    if kind == URLENCODED:
        return _urlencoded(body)
    return _multipart(content_type or "", body)


def peek(content_type: str | None, body: bytes, names: tuple[str, ...]) -> Form | None:
    """Only the short fields ``names`` (signature fields), found with one search each before the
    form is parsed, so a request can be authenticated first; None when any is not found that way."""
    if media_type(content_type) != MULTIPART:
        return None
    fields: dict[str, bytes] = {}
    for name in names:
        found = re.search(rb'(?i)content-disposition:[ \t]*form-data;[ \t]*name="?' + re.escape(name.encode())
                          + rb'"?[ \t]*\r?\n(?:[^\r\n]+\r?\n)*?\r?\n([^\r\n]{1,512})\r?\n', body)
        if found is None:
            return None
        fields[name] = found.group(1)
    return Form(fields=fields, files={})


def _urlencoded(body: bytes) -> Form:
    limits.check_count("MAX_FORM_PARTS", body.count(b"&") + 1, limits.MAX_FORM_PARTS, "form fields")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"the urlencoded form is malformed: {exc}") from None
    return Form(fields={name: value.encode() for name, value in pairs}, files={})


def _multipart(content_type: str, body: bytes) -> Form:
    """The form's parts, counted (``limits.MAX_FORM_PARTS``) before the parser sees them."""
    limits.check_header_value("Content-Type", content_type)
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    boundary = BytesParser(policy=_POLICY).parsebytes(head, headersonly=True).get_boundary()
    if not boundary:
        raise BadRequest("multipart/form-data without a boundary parameter in Content-Type")
    limits.check_form_parts(boundary.encode("latin-1", "replace"), body)
    message = limits.guarded("the multipart form", BytesParser(policy=_POLICY).parsebytes, head + body)
    parts = message.get_payload()
    if not message.is_multipart() or not isinstance(parts, list) or not parts:
        raise BadRequest(f"the multipart form has no parts delimited by boundary {message.get_boundary()!r}")
    fields: dict[str, bytes] = {}
    files: dict[str, FilePart] = {}
    for part in parts:
        if not isinstance(part, Message):
            raise BadRequest("the multipart form is malformed: a part is not a MIME entity")
        _add_part(part, fields, files)
    return Form(fields=fields, files=files)


def _add_part(part: Message, fields: dict[str, bytes], files: dict[str, FilePart]) -> None:
    raw_name = part.get_param("name", header="content-disposition")
    # mail clients put encoded words in names and filenames, though RFC 2047 does not allow it there
    name = headers.decoded_words(collapse_rfc2231_value(raw_name)) if raw_name else ""
    if not name:
        raise BadRequest("a multipart form part has no Content-Disposition name")
    payload = part.get_payload(decode=True)
    content = payload if isinstance(payload, bytes) else b""
    filename = part.get_filename()
    if filename is not None:
        files[name] = FilePart(headers.decoded_words(filename), part.get_content_type(), content)
    else:
        fields[name] = content
