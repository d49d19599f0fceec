"""What a provider adapter hands to the intake: the record plus the bytes that go to S3."""

from __future__ import annotations

import dataclasses
import hashlib

from planetmail.inbound import Attachment, InboundEmail


@dataclasses.dataclass(frozen=True)
class AttachmentBody:
    meta: Attachment
    content: bytes


@dataclasses.dataclass(frozen=True)
class Delivery:
    email: InboundEmail
    raw: bytes | None = None
    """The message as received (RFC 5322 bytes) when the provider gave it."""
    attachments: tuple[AttachmentBody, ...] = ()

    @property
    def dedupe_key(self) -> str | None:
        """What identifies a redelivery: the provider's event id, else Message-ID, else the raw bytes."""
        if self.email.provider_event_id:
            return f"event:{self.email.provider_event_id}"
        if self.email.message_id:
            return f"message-id:{self.email.message_id}"
        if self.raw:
            return f"sha256:{hashlib.sha256(self.raw).hexdigest()}"
        return None

    def with_email(self, **changes: object) -> Delivery:
        return dataclasses.replace(self, email=self.email.model_copy(update=changes))


def attachment_body(
    filename: str, content_type: str, content: bytes, content_id: str | None = None
) -> AttachmentBody:
    meta = Attachment(
        filename=filename,
        content_type=content_type or "application/octet-stream",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content_id=content_id,
    )
    return AttachmentBody(meta, content)
