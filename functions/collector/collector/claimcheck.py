"""Claim check: attachment bytes and the whole message go to S3, the record keeps references.

Bodies longer than ``settings.inline_body_limit`` bytes are cut (``body_truncated``); the whole
message is then always at ``raw_s3_uri`` (rebuilt as MIME when the provider sent no raw message).
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from collector.delivery import AttachmentBody, Delivery
from collector.problems import ServiceUnavailable
from planetmail.inbound import Attachment, InboundEmail


class ClaimCheck:
    def __init__(self, s3: Any, bucket: str, inline_limit: int) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._inline_limit = inline_limit

    def store(self, delivery: Delivery) -> InboundEmail:
        email = delivery.email
        attachments = [self._put_attachment(email.id, n, body) for n, body in enumerate(delivery.attachments)]
        text, html, truncated = inline_bodies(email.text, email.html, self._inline_limit)
        raw = delivery.raw if delivery.raw is not None else (rebuild_mime(email) if truncated else None)
        raw_uri = self._put(f"raw/{email.id}.eml", raw, "message/rfc822") if raw is not None else None
        return email.model_copy(update={
            "attachments": attachments, "text": text, "html": html,
            "body_truncated": truncated, "raw_s3_uri": raw_uri,
        })

    def _put_attachment(self, tracking_id: str, index: int, body: AttachmentBody) -> Attachment:
        key = f"attachments/{tracking_id}/{index}-{body.meta.sha256[:16]}"
        return body.meta.model_copy(update={"s3_uri": self._put(key, body.content, body.meta.content_type)})

    def _put(self, key: str, content: bytes, content_type: str) -> str:
        try:
            self._s3.put_object(Bucket=self._bucket, Key=key, Body=content, ContentType=content_type)
        except (ClientError, BotoCoreError) as exc:
            raise ServiceUnavailable(f"the raw-mail bucket is unavailable: {exc}") from None
        return f"s3://{self._bucket}/{key}"


def inline_bodies(text: str, html: str | None, limit: int) -> tuple[str, str | None, bool]:
    """Text first, then HTML, within ``limit`` UTF-8 bytes together; True when anything was cut."""
    kept_text = _cut(text, limit)
    kept_html = None if html is None else _cut(html, limit - len(kept_text.encode()))
    truncated = kept_text != text or kept_html != html
    return kept_text, kept_html, truncated


def _cut(value: str, limit: int) -> str:
    encoded = value.encode()
    return value if len(encoded) <= limit else encoded[: max(limit, 0)].decode("utf-8", "ignore")


def rebuild_mime(email: InboundEmail) -> bytes:
    """A MIME message from a provider's parsed fields, for when the provider did not send the raw one."""
    message = EmailMessage()
    message["Subject"] = " ".join(email.subject.split())
    message["From"] = email.from_.address
    if email.message_id:
        message["Message-ID"] = email.message_id
    message.set_content(email.text)
    if email.html is not None:
        message.add_alternative(email.html, subtype="html")
    return message.as_bytes()
