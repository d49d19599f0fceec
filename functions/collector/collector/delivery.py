"""What a provider adapter hands to the intake: the record plus the bytes that go to S3."""

from __future__ import annotations

import dataclasses
import hashlib
import json

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
    def dedupe_key(self) -> str:
        """What identifies a redelivery, never shared by two different messages: the provider's event
        id, else a digest of the raw message, else of Message-ID, sender and the whole content.

        A sender-chosen Message-ID alone is not enough (different messages reuse one, and then the
        second was answered as a duplicate and lost); every message has a key, so a retry after a
        lost acknowledgement is recognised and never published twice.
        """
        if self.email.provider_event_id:
            return f"event:{self.email.provider_event_id}"
        if self.raw:
            return f"sha256:{hashlib.sha256(self.raw).hexdigest()}"
        return f"content:{content_digest(self.email)}"

    def with_email(self, **changes: object) -> Delivery:
        return dataclasses.replace(self, email=self.email.model_copy(update=changes))


def content_digest(email: InboundEmail) -> str:
    """SHA-256 over what makes a message this message: ids, addresses, subject, bodies, attachments."""
    parts = {
        "message_id": email.message_id, "from": email.from_.address, "to": [a.address for a in email.to],
        "cc": [a.address for a in email.cc], "subject": email.subject, "text": email.text, "html": email.html,
        "attachments": [a.sha256 for a in email.attachments], "in_reply_to": email.in_reply_to,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8", "surrogatepass")).hexdigest()


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
