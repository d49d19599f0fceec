"""The sink's SQLite index: what an older sink left as files is indexed, listing never re-parses."""

from __future__ import annotations

import json
from pathlib import Path

from planetmail_local.smtp_sink.store import Envelope, MessageStore, Page

RAW = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: Re: Hello [01ABC]\r\n\r\nbody\r\n"


def test_messages_stored_as_files_only_are_indexed_when_the_store_opens(tmp_path: Path) -> None:
    (tmp_path / "00000000000000000001-aaaaaaaa.json").write_text(json.dumps(
        {"mail_from": "x@example.com", "rcpt_tos": ["b@example.org"], "received_at": "2026-12-05T12:00:00"}))
    (tmp_path / "00000000000000000001-aaaaaaaa.eml").write_bytes(RAW)
    (tmp_path / "00000000000000000002-bbbbbbbb.eml").write_bytes(RAW)  # no envelope: half-written
    store = MessageStore(tmp_path)
    assert [m["subject"] for m in store.page(Page())] == ["Re: Hello [01ABC]"]
    assert store.get("00000000000000000001-aaaaaaaa")["text"].strip() == "body"  # type: ignore[index]


def test_listing_reads_the_index_not_the_files(tmp_path: Path) -> None:
    store = MessageStore(tmp_path)
    saved = store.save(Envelope("x@example.com", ["b@example.org"]), RAW)
    (tmp_path / f"{saved}.eml").unlink()  # a listing that parsed files would lose it
    assert [m["id"] for m in store.page(Page(full=False))] == [saved]
    reopened = MessageStore(tmp_path)
    assert reopened.count() == 1 and reopened.count("hello") == 1 and reopened.count("nothing") == 0
