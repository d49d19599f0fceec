"""The poller's bookkeeping with an in-memory mailbox and cursor store (the real ones are tested
against Dovecot and ZooKeeper in tests/integration/collector)."""

from __future__ import annotations

from typing import Any

import pytest

from collector import imap_poller
from collector.imap_cursor import Cursor
from collector.intake import Acceptance
from collector.problems import ServiceUnavailable

GOOD = b"From: a@example.org\nSubject: hi\nMessage-ID: <%d@x>\n\nbody\n"


class FakeMailbox:
    def __init__(self, uidvalidity: int, messages: dict[int, bytes | None]) -> None:
        self.uidvalidity = uidvalidity
        self.messages = messages
        self.flags: list[tuple[int, str]] = []

    def uids_after(self, last_uid: int) -> list[int]:
        return sorted(uid for uid in self.messages if uid > last_uid)

    def fetch(self, uid: int) -> bytes | None:
        return self.messages[uid]

    def flag(self, uid: int, flag: str) -> None:
        self.flags.append((uid, flag))


class FakeStore:
    def __init__(self, cursor: Cursor) -> None:
        self.saved = [cursor]

    def load(self) -> Cursor:
        return self.saved[-1]

    def save(self, cursor: Cursor) -> None:
        self.saved.append(cursor)


@pytest.fixture
def accepted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    subjects: list[str] = []

    def accept(delivery: Any, runtime: Any) -> Acceptance:
        if delivery.email.subject == "kafka down":
            raise ServiceUnavailable("Kafka did not acknowledge")
        if delivery.email.subject == "bug":
            raise KeyError("a bug nobody foresaw")
        subjects.append(delivery.email.subject)
        return Acceptance(delivery.email.id, duplicate=False)

    monkeypatch.setattr(imap_poller, "accept", accept)
    return subjects


@pytest.fixture
def quarantined(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str, int]]:
    """(uid, reason, attempts) of every message the poller quarantined."""
    found: list[tuple[int, str, int]] = []

    def quarantine(mailbox: Any, uid: int, raw: bytes, reason: str, attempts: int, runtime: Any) -> str:
        found.append((uid, reason, attempts))
        return "tracking"

    monkeypatch.setattr(imap_poller, "quarantine", quarantine)
    return found


def test_collects_after_the_cursor_and_flags_seen_after_hand_off(accepted: list[str], quarantined) -> None:
    mailbox = FakeMailbox(7, {1: GOOD % 1, 2: GOOD % 2, 3: None, 4: b"no headers at all"})
    store = FakeStore(Cursor(7, 1))

    result = imap_poller.collect(mailbox, store, runtime=None, limit=10)  # type: ignore[arg-type]

    assert (result.published, result.quarantined, result.last_uid) == (1, 1, 4)
    assert mailbox.flags == [(2, imap_poller.SEEN)]
    assert [(uid, attempts) for uid, _, attempts in quarantined] == [(4, 1)]
    assert "400" in quarantined[0][1] and "From" in quarantined[0][1]
    assert store.saved[1:] == [Cursor(7, 2), Cursor(7, 3), Cursor(7, 4)]


def test_a_message_the_parser_chokes_on_is_quarantined_and_the_cursor_passes_it(
    accepted: list[str], quarantined
) -> None:
    poison = b"From: " + b"(" * 5000 + b"a@example.org\nSubject: poison\n\nbody\n"
    mailbox = FakeMailbox(7, {1: poison, 2: GOOD % 2})
    store = FakeStore(Cursor(7, 0))

    result = imap_poller.collect(mailbox, store, runtime=None)  # type: ignore[arg-type]

    assert (result.published, result.quarantined, result.last_uid, result.error) == (1, 1, 2, None)
    assert "MAX_COMMENT_DEPTH" in quarantined[0][1]


def test_an_unexpected_failure_is_retried_then_quarantined(accepted: list[str], quarantined) -> None:
    bug = b"From: a@example.org\nSubject: bug\n\nbody\n"
    mailbox = FakeMailbox(7, {1: bug, 2: GOOD % 2})
    store = FakeStore(Cursor(7, 0))

    runs = [imap_poller.collect(mailbox, store, runtime=None) for _ in range(imap_poller.MAX_ATTEMPTS + 1)]

    assert [run.last_uid for run in runs] == [0] * imap_poller.MAX_ATTEMPTS + [2]
    assert all("KeyError" in (run.error or "") for run in runs[:-1])
    assert [(uid, attempts) for uid, _, attempts in quarantined] == [(1, imap_poller.MAX_ATTEMPTS)]
    assert accepted == ["hi"] and store.saved[-1] == Cursor(7, 2)


def test_a_new_uidvalidity_starts_from_the_first_uid(accepted: list[str]) -> None:
    mailbox = FakeMailbox(8, {1: GOOD % 1})
    store = FakeStore(Cursor(7, 40))

    result = imap_poller.collect(mailbox, store, runtime=None)  # type: ignore[arg-type]

    assert store.saved[1:] == [Cursor(8, 0), Cursor(8, 1)]
    assert result.published == 1


def test_kafka_down_stops_before_the_failing_uid(accepted: list[str]) -> None:
    down = b"From: a@example.org\nSubject: kafka down\n\nbody\n"
    mailbox = FakeMailbox(7, {1: GOOD % 1, 2: down, 3: GOOD % 3})
    store = FakeStore(Cursor(7, 0))

    result = imap_poller.collect(mailbox, store, runtime=None)  # type: ignore[arg-type]

    assert (result.published, result.last_uid, result.error) == (1, 1, "Kafka did not acknowledge")
    assert mailbox.flags == [(1, imap_poller.SEEN)]
    assert store.saved[-1] == Cursor(7, 1)


def test_without_a_mailbox_the_poller_does_nothing(tmp_path) -> None:
    from collector.runtime import Runtime
    from planetmail.settings import Settings

    result = imap_poller.poll(Runtime(Settings.load(environ={}, state_dir=tmp_path, zookeeper="127.0.0.1:1")))

    assert (result.leader, result.published) == (False, 0)
    assert "PLANETMAIL_IMAP_HOST" in (result.error or "")
