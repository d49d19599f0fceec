"""A real Dovecot (Debian's dovecot-imapd) on a loopback port, and the mailbox operations the tests need.

Importable from any test folder (tests/ is on sys.path through tests/conftest.py).
"""

from __future__ import annotations

import imaplib
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

import pytest

from planetmail.settings import Settings
from planetmail_local.stack.config import free_port
from planetmail_local.stack.process import port_open

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


@contextmanager
def dovecot_server() -> Iterator[tuple[int, str, str]]:
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
        _wait_for_port(port)
        yield port, user, password
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def mailbox(settings: Settings) -> imaplib.IMAP4:
    connection = imaplib.IMAP4(settings.imap_host or "", settings.imap_port)
    connection.login(settings.imap_username or "", settings.imap_password.reveal())
    connection.select("INBOX")
    return connection


def append(settings: Settings, *subjects: str) -> None:
    connection = mailbox(settings)
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
    connection = mailbox(settings)
    _, data = connection.uid("SEARCH", "SEEN")
    connection.logout()
    return [int(uid) for uid in data[0].split()]


def append_raw(settings: Settings, *messages: bytes) -> None:
    """Store messages exactly as given (hostile ones included), in this order: UIDs 1, 2, ..."""
    connection = mailbox(settings)
    for raw in messages:
        connection.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
    connection.logout()


def folder_uids(settings: Settings, folder: str, criteria: str = "ALL") -> list[int]:
    """The UIDs in ``folder`` matching an IMAP SEARCH; none when the folder does not exist."""
    connection = mailbox(settings)
    status, _ = connection.select(folder)
    _, data = connection.uid("SEARCH", criteria) if status == "OK" else ("NO", [b""])
    connection.logout()
    return [int(uid) for uid in (data[0] or b"").split()]


def _wait_for_port(port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not port_open("127.0.0.1", port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"dovecot did not listen on 127.0.0.1:{port} within {timeout_s:.0f} s")
        time.sleep(0.1)
