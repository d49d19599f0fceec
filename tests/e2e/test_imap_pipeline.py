"""IMAP intake through the whole pipeline: a real Dovecot mailbox whose first message is poison (MIME
nested 1,000 deep, from the hostile corpus), then readers' mail as a receiving server stores it
(Authentication-Results vouching for the From domain). One scheduled run of ImapPollerFunction in the
emulator passes the poison; the processor and responder workers answer every reader once, in the
reader's language, in the real SMTP sink; the poison ends in its visible final state: the quarantine
folder, mail.dlq (``planetmail dlq list``), a ``failed`` event, and a cursor past it.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from dovecot_server import append_raw, dovecot_server, folder_uids
from e2e_support import Pipeline, genuine_corpus, isolated_pipeline, lifecycle_events, states_of, viewer_url

from collector.imap_cursor import cursor_name
from collector.quarantine import QUARANTINE_FOLDER
from planetmail.coordination.backends import coordinator
from planetmail.settings import ENV_TOPIC_PREFIX, Secret, Settings
from planetmail_local import hostile
from planetmail_local.bench.follow import TRACKING_ID_IN_SUBJECT
from planetmail_local.bench.traffic import AUTHENTICATION_RESULTS, SENDER_DOMAIN, CorpusMessage, rfc822
from planetmail_local.cli.dlq import dlq

pytestmark = [pytest.mark.integration, pytest.mark.slow]

POISON = hostile.all_messages()["mime_nested_1000_deep"]
LANGUAGES = {"en": 3, "es": 2}
READERS = sum(LANGUAGES.values())
SCHEDULE = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}


@pytest.fixture(scope="module")
def pipeline(stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    with isolated_pipeline(stack_settings, "imap", tmp_path_factory.mktemp("imap-e2e-logs")) as pipeline:
        yield pipeline


@pytest.fixture
def mailbox(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A Dovecot of its own; the poller's worker starts at its first invocation and inherits these."""
    with dovecot_server() as (port, user, password):
        for name, value in {"HOST": "127.0.0.1", "PORT": str(port), "USERNAME": user, "PASSWORD": password,
                            "TLS": "false"}.items():
            monkeypatch.setenv(f"PLANETMAIL_IMAP_{name}", value)
        yield dataclasses.replace(pipeline.settings, imap_host="127.0.0.1", imap_port=port,
                                  imap_username=user, imap_password=Secret(password), imap_tls=False)


def readers_mail() -> dict[str, tuple[CorpusMessage, bytes]]:
    """Sender address → (corpus message, RFC 822 bytes): the first messages of each language, each
    from an address of its own (unique to this run, so the sink can be searched by it)."""
    run = uuid.uuid4().hex[:8]
    chosen = [m for language, count in LANGUAGES.items()
              for m in [m for m in genuine_corpus() if m.language == language][:count]]
    senders = [f"imap{n}.{run}@{SENDER_DOMAIN}" for n in range(len(chosen))]
    return {sender: (message, rfc822(message, sender, {"Authentication-Results": AUTHENTICATION_RESULTS}))
            for sender, message in zip(senders, chosen, strict=True)}


def acknowledgements_to(viewer: str, senders: list[str], timeout_s: float = 90.0) -> dict[str, list[Any]]:
    """The sink's messages to each sender (full: headers and bodies), once each has one or the
    deadline passed, then read again after a pause in which a wrong second email would show up."""
    def read(client: httpx.Client) -> dict[str, list[Any]]:
        found = {}
        for sender in senders:
            listed = client.get(f"{viewer}/api/messages", params={"q": sender, "full": "true"})
            listed.raise_for_status()
            found[sender] = [m for m in listed.json() if sender in m["rcpt_tos"]]
        return found

    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=30) as client:
        while not all(read(client).values()) and time.monotonic() < deadline:
            time.sleep(1)
        time.sleep(3)
        return read(client)


def test_a_poison_message_first_then_every_reader_is_acknowledged_once(pipeline: Pipeline, mailbox: Settings,
                                                                         stack_settings: Settings) -> None:
    letters = readers_mail()
    append_raw(mailbox, POISON, *(raw for _, raw in letters.values()))

    run: dict[str, Any] = pipeline.emulator.invoke("ImapPollerFunction", SCHEDULE).result()

    outcome = (run["published"], run["quarantined"], run["last_uid"], run["error"])
    assert outcome == (READERS, 1, READERS + 1, None)
    acknowledgements = acknowledgements_to(viewer_url(stack_settings), list(letters))
    assert {sender: len(acks) for sender, acks in acknowledgements.items()} == dict.fromkeys(letters, 1)
    for sender, (message, _) in letters.items():
        [ack] = acknowledgements[sender]
        assert f'<html lang="{message.language}">' in ack["html"], (message.language, ack["text"])
    tracking_id = TRACKING_ID_IN_SUBJECT.search(ack["subject"]).group(1)  # type: ignore[union-attr]
    assert {"received", "classified", "acknowledged"} <= set(states_of(pipeline.url, tracking_id))
    assert_poison_in_its_final_state(pipeline.settings, mailbox)


def assert_poison_in_its_final_state(settings: Settings, mailbox: Settings) -> None:
    """UID 1 quarantined: in the folder, listed by ``planetmail dlq list``, reported failed, passed."""
    assert folder_uids(mailbox, QUARANTINE_FOLDER) == [1]
    assert folder_uids(mailbox, "INBOX", "KEYWORD $PlanetmailQuarantined") == [1]
    where = f"{mailbox.imap_username}@127.0.0.1:{mailbox.imap_port}/INBOX"
    environment = {ENV_TOPIC_PREFIX: settings.topic_prefix, "COLUMNS": "250"}
    listing = CliRunner().invoke(dlq, ["list"], env=environment)
    assert listing.exit_code == 0, listing.output
    assert f"IMAP quarantine {where}#1" in listing.output
    assert "multipart/message entities: 1000 is over the limit" in listing.output
    [failed] = [e for e in lifecycle_events(settings) if e.state == "failed"]
    assert (failed.detail["mailbox"], failed.detail["uid"]) == (where, 1)
    assert "MAX_MIME_CONTAINERS" in failed.detail["reason"]
    with coordinator(mailbox) as coordination:
        cursor = coordination.document(cursor_name(mailbox)).load()
    assert cursor is not None and cursor["last_uid"] == READERS + 1
