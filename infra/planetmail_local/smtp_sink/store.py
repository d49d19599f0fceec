"""Messages on disk, ``<id>.eml`` (the DATA as received) plus ``<id>.json`` (envelope, received time),
and an SQLite index of them (``index.sqlite3`` in the same folder).

Each message is parsed once, when it arrives, and its summary, headers and bodies go to the index; a
listing is then one indexed query (``?limit=&before=&q=``, newest first, as Mailpit's API pages),
not a parse of every stored message. The files stay the source of truth: messages stored by an
older sink (files without an index row) are indexed when the store opens, and readers that watch the
folder (``bench.follow.MailFolder``) keep working.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

INDEX_FILE = "index.sqlite3"
SUMMARY_COLUMNS = ("id", "received_at", "mail_from", "rcpt_tos", "subject", "size")
FULL_COLUMNS = (*SUMMARY_COLUMNS, "headers", "text", "html")
_LIST_SUMMARY = """
SELECT id, received_at, mail_from, rcpt_tos, subject, size FROM messages
WHERE id > :after AND (:before = '' OR id < :before) AND (:pattern = '' OR search LIKE :pattern ESCAPE '!')
ORDER BY id DESC LIMIT :limit"""
_LIST_FULL = """
SELECT id, received_at, mail_from, rcpt_tos, subject, size, headers, text, html FROM messages
WHERE id > :after AND (:before = '' OR id < :before) AND (:pattern = '' OR search LIKE :pattern ESCAPE '!')
ORDER BY id DESC LIMIT :limit"""
_COUNT = """
SELECT count(*) FROM messages
WHERE id > :after AND (:before = '' OR id < :before) AND (:pattern = '' OR search LIKE :pattern ESCAPE '!')"""
_GET = """
SELECT id, received_at, mail_from, rcpt_tos, subject, size, headers, text, html FROM messages WHERE id = ?"""
_INSERT = ("INSERT OR REPLACE INTO messages"
           " (id, received_at, mail_from, rcpt_tos, subject, size, headers, text, html, search)"
           " VALUES (:id, :received_at, :mail_from, :rcpt_tos, :subject, :size, :headers, :text, :html,"
           " :search)")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, received_at TEXT NOT NULL, mail_from TEXT NOT NULL, rcpt_tos TEXT NOT NULL,
    subject TEXT NOT NULL, size INTEGER NOT NULL, headers TEXT NOT NULL, text TEXT, html TEXT,
    search TEXT NOT NULL
) WITHOUT ROWID
"""


@dataclasses.dataclass(frozen=True)
class Envelope:
    mail_from: str
    rcpt_tos: list[str]
    peer: str = ""


@dataclasses.dataclass(frozen=True)
class Page:
    """Which messages a listing wants: newest first, at most ``limit``, older than ``before``, newer
    than ``after``, matching ``query`` (case-insensitive, in subject, sender or recipients)."""

    limit: int = 50
    before: str = ""
    after: str = ""
    query: str = ""
    full: bool = True
    """Headers and bodies too (the list's historical shape), or only the summary columns."""


class MessageStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(folder / INDEX_FILE, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._index_unindexed()

    def save(self, envelope: Envelope, data: bytes) -> str:
        # Sortable ids: newest first is a reverse sort of the names.
        message_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        meta = {**dataclasses.asdict(envelope), "received_at": datetime.now(UTC).isoformat()}
        # Readers list ``*.eml``: the envelope goes first and the message appears whole, by a rename, last.
        (self.folder / f"{message_id}.json").write_text(json.dumps(meta), encoding="utf-8")
        partial = self.folder / f"{message_id}.eml.part"
        partial.write_bytes(data)
        self._index([_row(message_id, meta, data)])
        partial.rename(self.folder / f"{message_id}.eml")
        return message_id

    def ids(self, after: str = "") -> list[str]:
        """Newest first; ``after``: only ids stored later (an earlier id, or ``f"{time.time_ns():020d}"``)."""
        return [m["id"] for m in self.page(Page(limit=-1, after=after, full=False))]

    def count(self, query: str = "") -> int:
        with self._lock:
            row = self._db.execute(_COUNT, _parameters(Page(query=query))).fetchone()
        return int(row[0])

    def get(self, message_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(_GET, (message_id,)).fetchone()
        return None if row is None else _document(dict(zip(FULL_COLUMNS, row, strict=True)))

    def page(self, page: Page) -> list[dict[str, Any]]:
        columns, statement = (FULL_COLUMNS, _LIST_FULL) if page.full else (SUMMARY_COLUMNS, _LIST_SUMMARY)
        with self._lock:
            rows = self._db.execute(statement, _parameters(page)).fetchall()
        return [_document(dict(zip(columns, row, strict=True))) for row in rows]

    def all(self, after: str = "") -> list[dict[str, Any]]:
        return self.page(Page(limit=-1, after=after))

    def clear(self) -> int:
        with self._lock:
            self._db.execute("DELETE FROM messages")
        removed = 0
        for path in self.folder.glob("*.eml"):
            path.unlink(missing_ok=True)
            path.with_suffix(".json").unlink(missing_ok=True)
            removed += 1
        return removed

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _index(self, rows: list[dict[str, Any]]) -> None:
        with self._lock:
            self._db.executemany(_INSERT, rows)

    def _index_unindexed(self) -> None:
        """Index the messages an older sink stored as files only."""
        known = set(self.ids())
        rows = []
        for eml in self.folder.glob("*.eml"):
            if eml.stem not in known:
                try:
                    meta = json.loads(eml.with_suffix(".json").read_text(encoding="utf-8"))
                    rows.append(_row(eml.stem, meta, eml.read_bytes()))
                except (OSError, ValueError):
                    continue  # half-written by a sink that died: not a message
        self._index(rows)


def _row(message_id: str, meta: dict[str, Any], data: bytes) -> dict[str, Any]:
    parsed = _parsed(data)
    rcpt_tos = [str(r) for r in meta.get("rcpt_tos", [])]
    mail_from = str(meta.get("mail_from", ""))
    search = " ".join([parsed["subject"], mail_from, *rcpt_tos]).lower()
    return {"id": message_id, "received_at": str(meta.get("received_at", "")), "mail_from": mail_from,
            "rcpt_tos": json.dumps(rcpt_tos), "subject": parsed["subject"], "size": len(data),
            "headers": json.dumps(parsed["headers"]), "text": parsed["text"], "html": parsed["html"],
            "search": search}


def _document(row: dict[str, Any]) -> dict[str, Any]:
    row["rcpt_tos"] = json.loads(row["rcpt_tos"])
    if "headers" in row:
        row["headers"] = json.loads(row["headers"])
    return row


def _parameters(page: Page) -> dict[str, Any]:
    pattern = f"%{_like(page.query.lower())}%" if page.query else ""
    return {"after": page.after, "before": page.before, "pattern": pattern, "limit": page.limit}


def _like(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _parsed(data: bytes) -> dict[str, Any]:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return {
        "subject": str(message.get("Subject", "")),
        "headers": [[name, str(value)] for name, value in message.items()],
        "text": _body(message, "plain"),
        "html": _body(message, "html"),
    }


def _body(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    content = part.get_content()
    return content if isinstance(content, str) else None
