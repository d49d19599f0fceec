"""Amazon SES receiving, delivered as an SNS notification: inline content (SNS action) or an S3 object
(S3 action). The SNS envelope is verified by ``collector.sns`` before this runs."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from collector import headers, mime
from collector import verdicts as provider_verdicts
from collector.delivery import Delivery
from collector.documents import load_object, validate
from collector.problems import BadRequest

ReadObject = Callable[[str, str], bytes]
"""(bucket, key) → the object's bytes."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SesMail(_Model):
    message_id: str = Field(alias="messageId")
    source: str = ""
    destination: list[str] = Field(default_factory=list)


class SesAction(_Model):
    type: str
    encoding: str = "UTF8"
    bucket_name: str | None = Field(None, alias="bucketName")
    object_key: str | None = Field(None, alias="objectKey")


class SesReceipt(_Model):
    action: SesAction
    spf_verdict: dict[str, Any] = Field(default_factory=dict, alias="spfVerdict")
    dkim_verdict: dict[str, Any] = Field(default_factory=dict, alias="dkimVerdict")
    dmarc_verdict: dict[str, Any] = Field(default_factory=dict, alias="dmarcVerdict")
    spam_verdict: dict[str, Any] = Field(default_factory=dict, alias="spamVerdict")
    virus_verdict: dict[str, Any] = Field(default_factory=dict, alias="virusVerdict")


class SesNotification(_Model):
    notification_type: str = Field(alias="notificationType")
    mail: SesMail
    receipt: SesReceipt
    content: str | None = None


def parse(message: str) -> SesNotification | None:
    """The receipt notification, or None for other SES notification types (nothing to collect)."""
    what = "the SES notification (SNS Message)"
    document = load_object(message, what)
    if document.get("notificationType") != "Received":
        return None
    return validate(SesNotification, document, what)


def convert(notification: SesNotification, read_object: ReadObject) -> Delivery:
    delivery = mime.parse(_raw(notification, read_object), "ses")
    receipt = notification.receipt
    auth = {
        name: headers.verdict(str(value.get("status", "")))
        for name, value in (("spf", receipt.spf_verdict), ("dkim", receipt.dkim_verdict),
                            ("dmarc", receipt.dmarc_verdict))
        if value
    }
    return delivery.with_email(
        provider_event_id=notification.mail.message_id,
        envelope_from=notification.mail.source or delivery.email.envelope_from,
        envelope_to=notification.mail.destination,
        auth=delivery.email.auth.model_copy(update=auth),
        provider_verdicts=provider_verdicts.ses(receipt.spam_verdict, receipt.virus_verdict),
    )


def _raw(notification: SesNotification, read_object: ReadObject) -> bytes:
    action = notification.receipt.action
    if action.type == "S3":
        if not (action.bucket_name and action.object_key):
            raise BadRequest("the SES S3 action names no bucketName/objectKey")
        return read_object(action.bucket_name, action.object_key)
    if notification.content is None:
        raise BadRequest(f"the SES notification ({action.type} action) carries no content")
    if action.encoding.upper() == "BASE64":
        try:
            return base64.b64decode(notification.content, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("the SES content is not valid base64") from None
    return notification.content.encode("utf-8")
