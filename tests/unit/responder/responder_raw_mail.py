"""Raw RFC 5322 messages → InboundEmail, with the stdlib email package (what the collector will do).

Kept deliberately small: the fields the reply policy and composition read.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses

from planetmail.inbound import Address, AuthResults, InboundEmail

_AUTH = re.compile(r"\b(spf|dkim|dmarc)=(\w+)", re.IGNORECASE)


def inbound_from_raw(raw: str, tracking_id: str = "01JRAWTEST000000000000000") -> InboundEmail:
    message = message_from_bytes(raw.encode("utf-8"), policy=policy.default)
    assert isinstance(message, EmailMessage)
    headers: dict[str, str] = {}
    for name, value in message.items():
        headers.setdefault(name.lower(), str(value))
    return_path = headers.get("return-path")
    return InboundEmail(
        id=tracking_id,
        received_at=datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
        source="api",
        message_id=headers.get("message-id"),
        subject=headers.get("subject", ""),
        **{"from": _addresses(message, "from")[0]},
        reply_to=_addresses(message, "reply-to"),
        envelope_from=None if return_path is None else return_path.strip().strip("<>"),
        content_type=message.get_content_type(),
        report_type=message.get_param("report-type"),
        headers=headers,
        references=headers.get("references", "").split(),
        auth=_auth(headers.get("authentication-results", "")),
    )


def _addresses(message: EmailMessage, name: str) -> list[Address]:
    values = [str(v) for v in message.get_all(name, [])]
    return [Address(address=addr, name=display) for display, addr in getaddresses(values)]


def _auth(results: str) -> AuthResults:
    verdicts = {method.lower(): verdict.lower() for method, verdict in _AUTH.findall(results)}
    return AuthResults.model_validate(verdicts)
