"""Messages on disk: ``<id>.eml`` (the DATA as received) plus ``<id>.json`` (envelope, received time)."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
import time
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any


@dataclasses.dataclass(frozen=True)
class Envelope:
    mail_from: str
    rcpt_tos: list[str]
    peer: str = ""


class MessageStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def save(self, envelope: Envelope, data: bytes) -> str:
        # Sortable ids: newest first is a reverse sort of the names.
        message_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        meta = {**dataclasses.asdict(envelope), "received_at": datetime.now(UTC).isoformat()}
        # Readers list ``*.eml``: the envelope goes first and the message appears whole, by a rename, last.
        (self.folder / f"{message_id}.json").write_text(json.dumps(meta), encoding="utf-8")
        partial = self.folder / f"{message_id}.eml.part"
        partial.write_bytes(data)
        partial.rename(self.folder / f"{message_id}.eml")
        return message_id

    def ids(self, after: str = "") -> list[str]:
        """Newest first; ``after``: only ids stored later (an earlier id, or ``f"{time.time_ns():020d}"``)."""
        return sorted((stem for path in self.folder.glob("*.eml") if (stem := path.stem) > after),
                      reverse=True)

    def get(self, message_id: str) -> dict[str, Any] | None:
        eml = self.folder / f"{message_id}.eml"
        if "/" in message_id:
            return None
        try:
            meta = json.loads((self.folder / f"{message_id}.json").read_text(encoding="utf-8"))
            data = eml.read_bytes()
        except FileNotFoundError:  # unknown, or deleted by a clear() while being read
            return None
        return {"id": message_id, **meta, **_parsed(data)}

    def all(self, after: str = "") -> list[dict[str, Any]]:
        return [message for message_id in self.ids(after) if (message := self.get(message_id))]

    def clear(self) -> int:
        removed = 0
        for path in self.folder.glob("*.eml"):
            path.unlink(missing_ok=True)
            path.with_suffix(".json").unlink(missing_ok=True)
            removed += 1
        return removed


def _parsed(data: bytes) -> dict[str, Any]:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return {
        "subject": str(message.get("Subject", "")),
        "headers": [[name, str(value)] for name, value in message.items()],
        "text": _body(message, "plain"),
        "html": _body(message, "html"),
        "size": len(data),
    }


def _body(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    content = part.get_content()
    return content if isinstance(content, str) else None
