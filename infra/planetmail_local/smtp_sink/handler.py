"""aiosmtpd handler: store every message, unless a fault says to refuse it."""

from __future__ import annotations

from typing import Any

from planetmail_local.smtp_sink.faults import FaultPlan
from planetmail_local.smtp_sink.store import Envelope, MessageStore


class SinkHandler:
    def __init__(self, store: MessageStore, faults: FaultPlan) -> None:
        self.store = store
        self.faults = faults

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self.faults.take("rcpt")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        refusal = self.faults.take("data")
        if refusal:
            return refusal
        peer = session.peer[0] if session.peer else ""
        message_id = self.store.save(
            Envelope(envelope.mail_from or "", list(envelope.rcpt_tos), str(peer)),
            envelope.original_content or envelope.content,
        )
        return f"250 Message accepted for delivery (id {message_id})"
