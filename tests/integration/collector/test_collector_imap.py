"""The IMAP poller against a real Dovecot (Debian's dovecot-imapd) started on a loopback port per test."""

from __future__ import annotations

import dataclasses
import imaplib
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import collector_stack
import pytest
from collector_gateway import TEMPLATE, patched_environment, template_parameters
from collector_stack import wait_for_port
from kazoo.client import KazooClient

from collector.imap_cursor import Cursor, CursorStore, cursor_name
from collector.imap_poller import JOB, poll
from collector.runtime import Runtime
from planetmail.coordination.backends import coordinator
from planetmail.settings import Secret, Settings
from planetmail_local.emulator.service import Emulator, EmulatorOptions
from planetmail_local.emulator.template import load_application
from planetmail_local.stack.config import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@pytest.fixture
def dovecot() -> Iterator[tuple[int, str, str]]:
    """(port, user, password) of a Dovecot serving one empty INBOX; stopped and removed afterwards."""
    if shutil.which("dovecot") is None:
        pytest.fail("dovecot is not installed; run .ci/system-deps")
    root = Path(tempfile.mkdtemp(prefix="planetmail-dovecot-"))
    root.chmod(0o755)
    (root / "home").mkdir()
    owner = pwd.getpwnam("dovecot")
    shutil.chown(root / "home", owner.pw_uid, owner.pw_gid)
    port, user, password = free_port(), "letters", uuid.uuid4().hex
    (root / "passwd").write_text(f"{user}:{{PLAIN}}{password}\n")
    (root / "dovecot.conf").write_text(DOVECOT_CONF.format(root=root, port=port))
    server = subprocess.Popen(["dovecot", "-F", "-c", str(root / "dovecot.conf")])
    try:
        wait_for_port(port, "dovecot")
        yield port, user, password
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


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


def _imap(settings: Settings) -> imaplib.IMAP4:
    connection = imaplib.IMAP4(settings.imap_host or "", settings.imap_port)
    connection.login(settings.imap_username or "", settings.imap_password.reveal())
    connection.select("INBOX")
    return connection


def append(settings: Settings, *subjects: str) -> None:
    connection = _imap(settings)
    for subject in subjects:
        message = EmailMessage()
        message["From"] = "Perry White <perry@example.org>"
        message["To"] = "letters@dailyplanet.example"
        message["Subject"] = subject
        message["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
        message.set_content(f"Body of {subject}")
        connection.append("INBOX", "", imaplib.Time2Internaldate(time.time()), message.as_bytes())
    connection.logout()


def seen_uids(settings: Settings) -> list[int]:
    connection = _imap(settings)
    _, data = connection.uid("SEARCH", "SEEN")
    connection.logout()
    return [int(uid) for uid in data[0].split()]


def poll_with(settings: Settings) -> dict[str, object]:
    """One scheduled run on a fresh runtime, as a new Lambda instance would."""
    runtime = Runtime(settings)
    try:
        return dataclasses.asdict(poll(runtime))
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
