"""Claim check: attachment bytes and the whole message go to S3, the record keeps references.

Bodies longer than ``settings.inline_body_limit`` bytes are cut (``body_truncated``); the whole
message is then always at ``raw_s3_uri`` (rebuilt as MIME when the provider sent no raw message).
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from collector.delivery import AttachmentBody, Delivery
from collector.problems import PayloadTooLarge, ServiceUnavailable
from planetmail import codec
from planetmail.inbound import Attachment, InboundEmail

MAX_RECORD_BYTES = 768 * 1024
"""Encoded size of a ``mail.received`` record: under the broker's 1 MiB message.max.bytes default
(also MSK's) with room for what the processor adds when it routes the record on."""
S3_URI_BYTES = 256
"""Room kept per S3 reference (attachments, raw message) added after the size is checked."""


class ClaimCheck:
    def __init__(self, s3: Any, bucket: str, inline_limit: int) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._inline_limit = inline_limit

    def store(self, delivery: Delivery) -> InboundEmail:
        """The record to publish, within MAX_RECORD_BYTES once encoded: bodies are cut further while
        it is larger (JSON escapes a control character as six bytes), the whole message being in S3;
        a record still too large without any body is a 413 naming its size, before anything is stored."""
        email = delivery.email
        record, truncated = fitted(email, self._inline_limit)
        attachments = [self._put_attachment(email.id, n, body) for n, body in enumerate(delivery.attachments)]
        raw = delivery.raw if delivery.raw is not None else (rebuild_mime(email) if truncated else None)
        raw_uri = self._put(f"raw/{email.id}.eml", raw, "message/rfc822") if raw is not None else None
        return record.model_copy(update={"attachments": attachments, "raw_s3_uri": raw_uri})

    def _put_attachment(self, tracking_id: str, index: int, body: AttachmentBody) -> Attachment:
        key = f"attachments/{tracking_id}/{index}-{body.meta.sha256[:16]}"
        return body.meta.model_copy(update={"s3_uri": self._put(key, body.content, body.meta.content_type)})

    def _put(self, key: str, content: bytes, content_type: str) -> str:
        try:
            self._s3.put_object(Bucket=self._bucket, Key=key, Body=content, ContentType=content_type)
        except (ClientError, BotoCoreError) as exc:
            raise ServiceUnavailable(f"the raw-mail bucket is unavailable: {exc}") from None
        return f"s3://{self._bucket}/{key}"


def fitted(email: InboundEmail, inline_limit: int) -> tuple[InboundEmail, bool]:
    """``email`` with bodies cut to ``inline_limit`` bytes, less while the record would be too large."""
    limit = inline_limit
    reserve = S3_URI_BYTES * (len(email.attachments) + 1)
    while True:
        text, html, truncated = inline_bodies(email.text, email.html, limit)
        record = email.model_copy(update={"text": text, "html": html, "body_truncated": truncated})
        size = len(codec.encode(record)) + reserve
        if size <= MAX_RECORD_BYTES:
            return record, truncated
        if limit == 0:
            raise PayloadTooLarge(f"the record is {size} bytes without its bodies (headers, addresses, "
                                  f"attachment list); the limit is MAX_RECORD_BYTES={MAX_RECORD_BYTES}")
        limit = limit // 4 if limit > 1024 else 0


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
