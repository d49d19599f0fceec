"""The IMAP poller against a real Dovecot (Debian's dovecot-imapd) started on a loopback port per test."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path

import collector_stack
import pytest
from collector_gateway import TEMPLATE, patched_environment, template_parameters
from dovecot_server import append, append_raw, dovecot_server, folder_uids, seen_uids
from kazoo.client import KazooClient

from collector.imap_cursor import Cursor, CursorStore, cursor_name
from collector.imap_poller import BATCH_LIMIT, JOB, poll
from collector.quarantine import QUARANTINE_FOLDER
from collector.runtime import Runtime
from planetmail import topics
from planetmail.coordination.backends import coordinator
from planetmail.settings import Secret, Settings
from planetmail.topics import contract_topics
from planetmail_local import hostile
from planetmail_local.dead_letter_queue import DeadLetterQueue
from planetmail_local.emulator.service import Emulator, EmulatorOptions
from planetmail_local.emulator.template import load_application
from planetmail_local.stack.config import free_port
from planetmail_local.stack.topics import ensure_topics

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def dovecot() -> Iterator[tuple[int, str, str]]:
    """(port, user, password) of a Dovecot serving one empty INBOX; stopped and removed afterwards."""
    with dovecot_server() as server:
        yield server


@pytest.fixture(params=["zookeeper", "dynamodb"])
def imap_settings(collector_settings: Settings, dovecot: tuple[int, str, str],
                  request: pytest.FixtureRequest) -> Iterator[Settings]:
    """Lease and cursor in ZooKeeper (local) or in the idempotency table (AWS)."""
    port, user, password = dovecot
    settings = dataclasses.replace(
        collector_settings,
        coordination=request.param,
        imap_host="127.0.0.1",
        imap_port=port,
        imap_username=user,
        imap_password=Secret(password),
        imap_tls=False,
        zk_root=f"/planetmail-test-{uuid.uuid4().hex[:10]}",
    )
    yield settings
    client = KazooClient(hosts=settings.zookeeper)
    client.start(timeout=5)
    client.delete(settings.zk_root, recursive=True)
    client.stop()
    client.close()


def poll_with(settings: Settings, limit: int = BATCH_LIMIT) -> dict[str, object]:
    """One scheduled run on a fresh runtime, as a new Lambda instance would."""
    runtime = Runtime(settings)
    try:
        return dataclasses.asdict(poll(runtime, limit))
    finally:
        runtime.close()


def test_new_messages_are_published_once_and_seen_only_after_kafka(imap_settings: Settings, received) -> None:
    append(imap_settings, "first", "second")

    first = poll_with(imap_settings)
    append(imap_settings, "third")
    second = poll_with(imap_settings)
    third = poll_with(imap_settings)

    assert (first["published"], first["last_uid"]) == (2, 2)
    assert (second["published"], second["last_uid"]) == (1, 3)
    assert third["published"] == 0 and third["duplicates"] == 0
    assert sorted(email.subject for email in received(3)) == ["first", "second", "third"]
    assert seen_uids(imap_settings) == [1, 2, 3]


def test_kafka_down_leaves_messages_unseen_and_the_cursor_in_place(imap_settings: Settings, received) -> None:
    append(imap_settings, "while kafka is down")
    down = dataclasses.replace(imap_settings, kafka_bootstrap=f"127.0.0.1:{free_port()}")

    failed = poll_with(down)
    assert failed["published"] == 0 and "Kafka" in str(failed["error"])
    assert seen_uids(imap_settings) == []

    recovered = poll_with(imap_settings)
    assert (recovered["published"], recovered["last_uid"]) == (1, 1)
    assert [email.subject for email in received(1)] == ["while kafka is down"]


def test_a_rewound_or_reset_cursor_produces_no_second_record(imap_settings: Settings, received) -> None:
    append(imap_settings, "only once")
    poll_with(imap_settings)
    with coordinator(imap_settings) as coordination:
        store = CursorStore(coordination.document(cursor_name(imap_settings)))
        uidvalidity = store.load().uidvalidity
        store.save(Cursor(uidvalidity + 1, 0))  # as if the mailbox had been recreated

    again = poll_with(imap_settings)

    assert (again["published"], again["duplicates"], again["uidvalidity"]) == (0, 1, uidvalidity)
    assert [email.subject for email in received(1)] == ["only once"]


def test_only_the_lock_holder_polls(imap_settings: Settings) -> None:
    append(imap_settings, "not yet")
    with coordinator(imap_settings, "other-instance") as coordination, coordination.lead(JOB) as leading:
        assert leading
        skipped = poll_with(imap_settings)

    assert skipped["leader"] is False and skipped["published"] == 0
    assert seen_uids(imap_settings) == []


def test_scheduled_handler_in_the_emulator(imap_settings: Settings, received, tmp_path: Path) -> None:
    """``collector.imap_poller.handler`` as template.yaml's ImapPollerFunction, on a schedule event."""
    append(imap_settings, "via the emulator")
    environment = {
        **collector_stack.environment(imap_settings),
        "PLANETMAIL_IMAP_HOST": imap_settings.imap_host or "",
        "PLANETMAIL_IMAP_PORT": str(imap_settings.imap_port),
        "PLANETMAIL_IMAP_USERNAME": imap_settings.imap_username or "",
        "PLANETMAIL_IMAP_PASSWORD": imap_settings.imap_password.reveal(),
        "PLANETMAIL_IMAP_TLS": "false",
        "PLANETMAIL_ZK_ROOT": imap_settings.zk_root,
    }
    schedule_event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-26T12:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {},
    }
    application = load_application(TEMPLATE, parameter_overrides=template_parameters(imap_settings))
    with patched_environment(environment):
        emulator = Emulator(application, EmulatorOptions(log_dir=tmp_path))
        try:
            invocation = emulator.invoke("ImapPollerFunction", schedule_event)
        finally:
            emulator.stop()

    assert not invocation.failed, invocation.result()
    assert invocation.result()["published"] == 1
    assert [email.subject for email in received(1)] == ["via the emulator"]


POISON = b"From: " + b"(" * 5000 + b"a@example.org\r\nSubject: poison\r\n\r\nRecursionError\r\n"


def test_a_poison_message_first_does_not_stall_the_mailbox(imap_settings: Settings, received, events) -> None:
    """Poison first, then ten good ones: all ten collected and seen, the poison quarantined, listed on
    mail.dlq and reported failed; the old poller answered the poison with an exception every run."""
    ensure_topics(imap_settings, [spec for spec in contract_topics() if spec.name == topics.DLQ])
    append_raw(imap_settings, POISON)
    append(imap_settings, *(f"good {n}" for n in range(10)))

    run = poll_with(imap_settings)
    again = poll_with(imap_settings)

    assert (run["published"], run["quarantined"], run["last_uid"], run["error"]) == (10, 1, 11, None)
    assert (again["published"], again["quarantined"]) == (0, 0)
    assert sorted(email.subject for email in received(10)) == sorted(f"good {n}" for n in range(10))
    assert seen_uids(imap_settings) == list(range(1, 12))
    assert folder_uids(imap_settings, "INBOX", "KEYWORD $PlanetmailQuarantined") == [1]
    assert folder_uids(imap_settings, QUARANTINE_FOLDER) == [1]
    mailbox = f"@127.0.0.1:{imap_settings.imap_port}/INBOX"  # this test's Dovecot (the DLQ is shared)
    [letter] = [d for d in DeadLetterQueue(imap_settings).read()[0] if mailbox in d.source_mailbox]
    assert letter.source_mailbox.endswith("/INBOX#1") and "MAX_COMMENT_DEPTH" in letter.error
    failed = [event for event in events(11) if event.state == "failed" and mailbox in event.detail["mailbox"]]
    assert len(failed) == 1 and failed[0].detail["uid"] == 1
    assert "MAX_COMMENT_DEPTH" in failed[0].detail["reason"]


def test_the_hostile_corpus_through_the_poller_ends_collected_or_quarantined(imap_settings: Settings) -> None:
    """Every hostile message that Dovecot stores ends published or quarantined within one run, and the
    cursor reaches the last UID (nothing stalls, nothing is skipped silently)."""
    ensure_topics(imap_settings, [spec for spec in contract_topics() if spec.name == topics.DLQ])
    small = {name: raw for name, raw in hostile.all_messages().items() if 0 < len(raw) < 3 * 1024 * 1024}
    append_raw(imap_settings, *small.values())
    stored = len(folder_uids(imap_settings, "INBOX"))

    run = poll_with(imap_settings, limit=len(small))

    assert run["error"] is None
    assert run["published"] + run["quarantined"] + run["duplicates"] == stored
    assert run["last_uid"] == stored and run["quarantined"] >= 10
