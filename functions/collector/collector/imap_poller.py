"""ImapPollerFunction: on a schedule, hand new messages of an IMAP mailbox to Kafka, exactly once.

Only the leader polls (``planetmail.coordination``: a run is skipped while another instance holds the
``imap-poller`` lease, or while the coordinator, ZooKeeper locally and DynamoDB on AWS, is unreachable).
Messages are fetched by UID with BODY.PEEK[] (never marked read first), handed off through the same
intake as the webhooks, flagged \\Seen only after Kafka acknowledged, and the cursor (UIDVALIDITY,
last UID) advances after each message, so nothing is read twice or skipped across restarts; a crash
between hand-off and cursor write is answered by the intake's dedupe on Message-ID.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from collector import mime
from collector.imap_cursor import Cursor, CursorStore, cursor_name
from collector.intake import accept
from collector.mailbox import Mailbox, MailboxError, open_mailbox
from collector.problems import BadRequest, ServiceUnavailable
from collector.runtime import Runtime
from planetmail.coordination.backends import coordinator
from planetmail.coordination.base import CoordinationUnavailable

JOB = "imap-poller"
BATCH_LIMIT = 100
SEEN = "\\Seen"
REJECTED = "$PlanetmailRejected"
"""Flag for a message that is not MIME at all: left unread for a person, never retried."""

_log = logging.getLogger(__name__)
_runtime = Runtime()


@dataclasses.dataclass
class PollResult:
    leader: bool
    uidvalidity: int = 0
    last_uid: int = 0
    published: int = 0
    duplicates: int = 0
    rejected: int = 0
    error: str | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Scheduled entry point; the event (EventBridge schedule) carries nothing the poller needs."""
    return dataclasses.asdict(poll(_runtime))


def poll(runtime: Runtime, limit: int = BATCH_LIMIT) -> PollResult:
    settings = runtime.settings
    if not settings.imap_host:
        return PollResult(leader=False, error="no mailbox configured (PLANETMAIL_IMAP_HOST); nothing to poll")
    try:
        with coordinator(settings) as coordination, coordination.lead(JOB) as leader:
            if not leader:
                return PollResult(leader=False)
            with open_mailbox(settings) as mailbox:
                cursor = CursorStore(coordination.document(cursor_name(settings)))
                return collect(mailbox, cursor, runtime, limit)
    except CoordinationUnavailable as exc:
        return PollResult(leader=False, error=f"{exc}; skipped this run")
    except MailboxError as exc:
        return PollResult(leader=True, error=str(exc))


def collect(mailbox: Mailbox, store: CursorStore, runtime: Runtime, limit: int = BATCH_LIMIT) -> PollResult:
    loaded = store.load()
    cursor = loaded.for_mailbox(mailbox.uidvalidity)
    if cursor != loaded:
        store.save(cursor)
    result = PollResult(leader=True, uidvalidity=cursor.uidvalidity, last_uid=cursor.last_uid)
    for uid in mailbox.uids_after(cursor.last_uid)[:limit]:
        try:
            _collect_one(mailbox, uid, runtime, result)
        except ServiceUnavailable as exc:
            result.error = exc.detail  # the cursor stays before this UID: the next run retries it
            break
        cursor = Cursor(cursor.uidvalidity, uid)
        store.save(cursor)
        result.last_uid = uid
    return result


def _collect_one(mailbox: Mailbox, uid: int, runtime: Runtime, result: PollResult) -> None:
    raw = mailbox.fetch(uid)
    if raw is None:  # expunged since the search
        return
    try:
        delivery = mime.parse(raw, "imap")
    except BadRequest as exc:
        _log.warning("IMAP UID %s is not a mail message (%s); flagged %s", uid, exc.detail, REJECTED)
        mailbox.flag(uid, REJECTED)
        result.rejected += 1
        return
    acceptance = accept(delivery, runtime)
    mailbox.flag(uid, SEEN)
    if acceptance.duplicate:
        result.duplicates += 1
    else:
        result.published += 1
