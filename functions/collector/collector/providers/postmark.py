"""Postmark inbound webhook JSON. ``MessageID`` is Postmark's event id; the RFC Message-ID is in Headers."""

from __future__ import annotations

import base64
import binascii

from pydantic import BaseModel, ConfigDict, Field

from collector import headers, verdicts
from collector.delivery import AttachmentBody, Delivery, attachment_body
from collector.documents import load_object, validate
from collector.htmltext import text_from_html
from collector.problems import BadRequest
from planetmail.inbound import Address, InboundEmail, new_tracking_id, utcnow


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class PostmarkAddress(_Model):
    email: str = Field(alias="Email")
    name: str = Field("", alias="Name")


class PostmarkHeader(_Model):
    name: str = Field(alias="Name")
    value: str = Field("", alias="Value")


class PostmarkAttachment(_Model):
    name: str = Field("", alias="Name")
    content_type: str = Field("application/octet-stream", alias="ContentType")
    content: str | None = Field(None, alias="Content")
    data: str | None = Field(None, alias="Data")
    """Postmark's test payloads use ``Data`` where live ones use ``Content``."""
    content_id: str | None = Field(None, alias="ContentID")


class PostmarkInbound(_Model):
    message_id: str = Field(alias="MessageID")
    from_full: PostmarkAddress = Field(alias="FromFull")
    to_full: list[PostmarkAddress] = Field(default_factory=list, alias="ToFull")
    cc_full: list[PostmarkAddress] = Field(default_factory=list, alias="CcFull")
    reply_to: str = Field("", alias="ReplyTo")
    original_recipient: str = Field("", alias="OriginalRecipient")
    subject: str = Field("", alias="Subject")
    date: str = Field("", alias="Date")
    text_body: str = Field("", alias="TextBody")
    html_body: str | None = Field(None, alias="HtmlBody")
    headers: list[PostmarkHeader] = Field(default_factory=list, alias="Headers")
    attachments: list[PostmarkAttachment] = Field(default_factory=list, alias="Attachments")
    raw_email: str | None = Field(None, alias="RawEmail")


def convert(body: bytes) -> Delivery:
    what = "the Postmark payload"
    return from_inbound(validate(PostmarkInbound, load_object(body, what), what))


def from_inbound(payload: PostmarkInbound) -> Delivery:
    derived = headers.header_fields((header.name, header.value) for header in payload.headers)
    derived["reply_to"] = headers.addresses(payload.reply_to)
    derived["date"] = headers.date(payload.date)
    attachments = tuple(_attachment(item, n) for n, item in enumerate(payload.attachments))
    email = InboundEmail(
        id=new_tracking_id(),
        received_at=utcnow(),
        source="postmark",
        provider_event_id=payload.message_id,
        subject=payload.subject,
        **{"from": _address(payload.from_full)},
        to=[_address(item) for item in payload.to_full],
        cc=[_address(item) for item in payload.cc_full],
        envelope_to=[payload.original_recipient] if payload.original_recipient else [],
        text=payload.text_body or text_from_html(payload.html_body or ""),
        html=payload.html_body or None,
        attachments=[body.meta for body in attachments],
        provider_verdicts=verdicts.postmark(derived["headers"]),
        **derived,
    )
    raw = payload.raw_email.encode("utf-8") if payload.raw_email else None
    return Delivery(email=email, raw=raw, attachments=attachments)


def _address(item: PostmarkAddress) -> Address:
    return Address(address=item.email, name=item.name)


def _attachment(item: PostmarkAttachment, index: int) -> AttachmentBody:
    try:
        content = base64.b64decode(item.content or item.data or "", validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"Attachments.{index}.Content is not valid base64") from None
    return attachment_body(item.name, item.content_type, content, item.content_id)
