"""The SLA watcher's operator mail keeps the responder's rule: no SMTP password in clear."""

from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage
from pathlib import Path

import pytest

from planetmail.settings import ENV_SMTP_PASSWORD, ENV_SMTP_PORT, ENV_SMTP_USERNAME, Settings
from planetmail_local.observability.sla_watch import send_mail


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_password_without_tls_is_refused_before_connecting(tmp_path: Path) -> None:
    """Had it connected, the closed port would answer ConnectionRefusedError, not this refusal."""
    environment = {ENV_SMTP_USERNAME: "desk", ENV_SMTP_PASSWORD: "hunter2-secret",
                   ENV_SMTP_PORT: str(_closed_port())}
    settings = Settings.load(environment, state_dir=tmp_path)
    with pytest.raises(smtplib.SMTPException, match="never sent in clear") as refused:
        send_mail(settings, EmailMessage())
    assert not isinstance(refused.value, ConnectionRefusedError)
    assert "hunter2-secret" not in str(refused.value)


def test_without_a_password_it_connects_in_the_configured_mode(tmp_path: Path) -> None:
    settings = Settings.load({ENV_SMTP_PORT: str(_closed_port())}, state_dir=tmp_path)
    with pytest.raises(ConnectionRefusedError):
        send_mail(settings, EmailMessage())
