"""The message view: one message as the page shows it, built from the staff row, S3 and the timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inbox.decisions import UnknownMessage
from inbox.sanitize import sanitize
from inbox.store import email_of
from inbox.table import plain
from planetmail.inbound import Attachment

if TYPE_CHECKING:
    from inbox.runtime import Runtime


def message_view(runtime: Runtime, tracking_id: str) -> dict[str, Any]:
    item = runtime.store.get(tracking_id)
    if item is None:
        raise UnknownMessage(f"no message {tracking_id!r} in the inbox")
    email = email_of(item)
    safe = sanitize(email.html) if email.html else None
    summary = {name: value for name, value in plain(item).items() if name != "subject_search"}
    return {
        **summary,
        "email": {
            "from": email.from_.model_dump(), "to": [a.model_dump() for a in email.to],
            "cc": [a.model_dump() for a in email.cc], "subject": email.subject,
            "date": email.date.isoformat() if email.date else None, "source": email.source,
            "message_id": email.message_id, "headers": email.headers, "text": email.text,
            "html": safe.html if safe else None,
            "remote_images_blocked": safe.remote_images_blocked if safe else 0,
            "body_truncated": email.body_truncated, "auth": email.auth.model_dump(),
            "attachments": [_attachment(runtime, attachment) for attachment in email.attachments],
            "raw_url": _presigned(runtime, email.raw_s3_uri),
        },
        "timeline": runtime.status.timeline(tracking_id),
    }


def _attachment(runtime: Runtime, attachment: Attachment) -> dict[str, Any]:
    return {**attachment.model_dump(exclude={"s3_uri"}), "url": _presigned(runtime, attachment.s3_uri)}


def _presigned(runtime: Runtime, uri: str | None) -> str | None:
    """A short-lived GET link to the claim check (``s3://bucket/key``), or None without one."""
    if not uri or not uri.startswith("s3://"):
        return None
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return str(runtime.s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=runtime.settings.presign_seconds))
