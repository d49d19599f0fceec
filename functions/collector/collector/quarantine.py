"""IMAP poison messages: set aside so the mailbox keeps flowing, and made visible.

A message the collector cannot take (a 4xx for a webhook: unparseable, over a cap, too large for a
record) or that failed ``MAX_ATTEMPTS`` polls in a row is *quarantined*: copied to the IMAP folder
``QUARANTINE_FOLDER`` and flagged ``$PlanetmailQuarantined`` + ``\\Seen`` in the inbox, announced as a
``failed`` lifecycle event naming the reason, and written to ``mail.dlq`` (header
``x-source-mailbox``) so ``planetmail dlq list`` shows it. Then the cursor moves past it.

The dead letter goes first: if Kafka is down nothing is flagged and the cursor stays, so the next
run quarantines it again (a second copy in the folder at worst, never a silent skip).
"""

from __future__ import annotations

import json
import logging
from email.parser import BytesHeaderParser

from kafka.errors import KafkaError

from collector.mailbox import Mailbox
from collector.problems import ServiceUnavailable
from collector.runtime import Runtime
from planetmail import status, topics
from planetmail.dead_letters import HEADER_SOURCE_MAILBOX, dead_letter_headers
from planetmail.inbound import new_tracking_id, utcnow
from planetmail.lifecycle import LifecycleEvent

QUARANTINE_FOLDER = "Planetmail-Quarantine"
QUARANTINED = "$PlanetmailQuarantined"
MAX_ATTEMPTS = 3
"""Polls in a row a message may fail with an unexpected error before it is quarantined."""

_log = logging.getLogger(__name__)


def quarantine(mailbox: Mailbox, uid: int, raw: bytes, reason: str, attempts: int, runtime: Runtime) -> str:
    """Set the message aside; returns the tracking id its ``failed`` event carries."""
    tracking_id = new_tracking_id()
    settings = runtime.settings
    where = f"{settings.imap_username}@{settings.imap_host}:{settings.imap_port}/{settings.imap_mailbox}"
    summary = {
        "source": "imap", "mailbox": where, "folder": QUARANTINE_FOLDER, "uid": uid,
        "uidvalidity": mailbox.uidvalidity, "tracking_id": tracking_id, "reason": reason[:1000],
        "attempts": attempts, "size": len(raw), **_sniffed_headers(raw),
    }
    _dead_letter(summary, where, uid, attempts, runtime)
    mailbox.copy(uid, QUARANTINE_FOLDER)
    mailbox.flag(uid, f"{QUARANTINED} \\Seen")
    _report_failed(tracking_id, summary, runtime)
    _log.warning("IMAP UID %s quarantined in %s: %s", uid, QUARANTINE_FOLDER, reason)
    return tracking_id


def _dead_letter(summary: dict[str, object], where: str, uid: int, attempts: int, runtime: Runtime) -> None:
    headers = [*dead_letter_headers(str(summary["reason"]), "", -1, uid, attempts),
               (HEADER_SOURCE_MAILBOX, f"{where}#{uid}".encode())]
    topic, key = runtime.settings.topic(topics.DLQ), f"imap:{where}:{uid}".encode()
    try:
        runtime.producer.send(topic, key=key, value=json.dumps(summary).encode(),
                              headers=headers).get(timeout=runtime.ack_timeout)
    except KafkaError as exc:
        reason = type(exc).__name__
        raise ServiceUnavailable(f"the quarantine's dead letter was not acknowledged ({reason})") from None


def _report_failed(tracking_id: str, summary: dict[str, object], runtime: Runtime) -> None:
    """The ``failed`` event and status row; only logged when they cannot be written (the dead letter
    and the IMAP folder already hold the message)."""
    detail = {key: summary[key] for key in ("source", "mailbox", "uid", "folder", "sender")
              if key in summary} | {"reason": summary["reason"]}
    event = LifecycleEvent(id=tracking_id, stage="collector", state="failed", received_at=utcnow(),
                           detail=detail, error=str(summary["reason"]))
    try:
        runtime.dynamodb.put_item(TableName=runtime.settings.status_table, Item=status.row(event))
        runtime.reporter.announce(event).get(timeout=runtime.ack_timeout)
    except Exception as exc:
        _log.warning("failed event for quarantined IMAP message not reported: %s", exc)


def _sniffed_headers(raw: bytes) -> dict[str, str]:
    """From and Subject as far as they can be read without the full parser (for the listing)."""
    try:
        headers = BytesHeaderParser().parsebytes(raw[:16384])
        return {name: str(headers.get(field, ""))[:200] for name, field in (("sender", "from"),
                                                                            ("subject", "subject"))}
    except Exception:
        return {}
