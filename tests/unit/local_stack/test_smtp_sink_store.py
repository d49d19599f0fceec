from __future__ import annotations

import time
from pathlib import Path

import pytest

from planetmail_local.smtp_sink.faults import Fault, FaultPlan
from planetmail_local.smtp_sink.store import Envelope, MessageStore

MESSAGE = b"From: a@x.example\r\nTo: b@y.example\r\nSubject: hi\r\n\r\nhello\r\n"


def test_fault_counts_down_then_clears_itself() -> None:
    plan = FaultPlan()
    plan.set(Fault("rcpt", 451, "try later", remaining=2))
    assert [plan.take("rcpt") for _ in range(3)] == ["451 try later", "451 try later", None]
    assert plan.take("data") is None


def test_fault_without_count_lasts_until_cleared() -> None:
    plan = FaultPlan()
    plan.set(Fault("data", 550, "no", remaining=None))
    assert [plan.take("data") for _ in range(3)] == ["550 no"] * 3
    plan.clear()
    assert plan.take("data") is None and plan.active() == []


def test_store_lists_newest_first_with_envelope(tmp_path: Path) -> None:
    store = MessageStore(tmp_path)
    first = store.save(Envelope("a@x.example", ["b@y.example"]), MESSAGE)
    second = store.save(Envelope("c@x.example", ["d@y.example", "e@y.example"]), MESSAGE)
    listed = store.all()
    assert [m["id"] for m in listed] == [second, first]
    assert listed[0]["rcpt_tos"] == ["d@y.example", "e@y.example"] and listed[0]["text"].strip() == "hello"
    assert listed[0]["html"] is None and listed[0]["subject"] == "hi"


def test_store_lists_only_what_arrived_after_a_cursor(tmp_path: Path) -> None:
    store = MessageStore(tmp_path)
    before = store.save(Envelope("a@x.example", ["b@y.example"]), MESSAGE)
    started = f"{time.time_ns():020d}"
    later = store.save(Envelope("a@x.example", ["b@y.example"]), MESSAGE)
    assert store.ids(after=before) == [later]
    assert store.ids(after=started) == [later]
    assert store.ids(after=later) == []


def test_store_refuses_paths_as_ids(tmp_path: Path) -> None:
    store = MessageStore(tmp_path / "mail")
    (tmp_path / "secret.eml").write_bytes(MESSAGE)
    assert store.get("../secret") is None


def test_clear_removes_messages_and_envelopes(tmp_path: Path) -> None:
    store = MessageStore(tmp_path)
    store.save(Envelope("a@x.example", ["b@y.example"]), MESSAGE)
    assert store.clear() == 1
    assert list(tmp_path.iterdir()) == []


def test_a_message_is_listed_only_once_it_is_complete(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The viewer lists messages while the sink writes them (the fault suite polls at 20 msg/s)."""
    store = MessageStore(tmp_path)
    listed_while_writing: list[list[dict[str, object]]] = []
    write_bytes = Path.write_bytes

    def write_then_list(path: Path, data: bytes) -> int:
        written = write_bytes(path, data)
        listed_while_writing.append(store.all())
        return written

    monkeypatch.setattr(Path, "write_bytes", write_then_list)
    store.save(Envelope("reader@example.org", ["desk@dailyplanet.example"]), b"Subject: hi\r\n\r\nbody\r\n")

    assert listed_while_writing == [[]]
    assert [message["subject"] for message in store.all()] == ["hi"]
