"""``POST /v1/emails``: the canonical JSON document or a raw ``message/rfc822`` body."""

from __future__ import annotations

import base64
import binascii

from pydantic import BaseModel, ConfigDict, Field

from collector import headers, mime
from collector.delivery import Delivery, attachment_body
from collector.documents import load_object, validate
from collector.forms import require_media_type
from collector.htmltext import text_from_html
from collector.problems import BadRequest
from planetmail.inbound import Address, InboundEmail, new_tracking_id, utcnow

JSON = "application/json"
RFC822 = "message/rfc822"
MEDIA_TYPES = (JSON, RFC822)


class CanonicalAttachment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = ""
    content_type: str = "application/octet-stream"
    content_base64: str


class CanonicalEmail(BaseModel):
    """A message described as JSON; addresses are ``"Name <user@example.org>"`` or bare."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from", min_length=3, pattern=r"@")
    to: list[str] = Field(default_factory=list)
    cc: list[str] = Field(default_factory=list)
    reply_to: list[str] = Field(default_factory=list)
    subject: str = ""
    text: str = ""
    html: str | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    headers: dict[str, str] = Field(default_factory=dict)
    attachments: list[CanonicalAttachment] = Field(default_factory=list)


def convert(content_type: str | None, body: bytes) -> Delivery:
    if require_media_type(content_type, MEDIA_TYPES) == RFC822:
        return mime.parse(body, "api")
    return from_canonical(validate(CanonicalEmail, load_object(body, "the JSON body"), "the email document"))


def from_canonical(document: CanonicalEmail) -> Delivery:
    attachments = tuple(
        attachment_body(item.filename, item.content_type, _decode(item.content_base64, n))
        for n, item in enumerate(document.attachments)
    )
    derived = headers.header_fields(document.headers.items())
    derived["message_id"] = document.message_id or derived["message_id"]
    derived["in_reply_to"] = document.in_reply_to or derived["in_reply_to"]
    derived["references"] = document.references or derived["references"]
    derived["reply_to"] = _addresses(document.reply_to) or derived["reply_to"]
    email = InboundEmail(
        id=new_tracking_id(),
        received_at=utcnow(),
        source="api",
        subject=document.subject,
        **{"from": headers.first_address(document.from_)},
        to=_addresses(document.to),
        cc=_addresses(document.cc),
        text=document.text or text_from_html(document.html or ""),
        html=document.html,
        attachments=[body.meta for body in attachments],
        **derived,
    )
    return Delivery(email=email, attachments=attachments)


def _addresses(values: list[str]) -> list[Address]:
    return [address for value in values for address in headers.addresses(value)]


def _decode(content: str, index: int) -> bytes:
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"attachments.{index}.content_base64 is not valid base64") from None
