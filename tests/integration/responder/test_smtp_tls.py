"""SmtpTransport over STARTTLS and implicit TLS with AUTH, against aiosmtpd with a throwaway certificate."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from responder_harness import FAST_BACKOFF, SinkHandler, ack_request
from self_signed_tls import loopback_tls

from planetmail.pipeline_config import SenderIdentity
from planetmail.settings import Settings
from responder.compose import Bodies, compose
from responder.senders import PermanentSendError
from responder.senders.smtp import SmtpTransport

pytestmark = pytest.mark.integration

USERNAME, PASSWORD = "desk", "correct horse battery"


@pytest.fixture
def server_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A self-signed certificate for 127.0.0.1, trusted by clients of this test through SSL_CERT_FILE."""
    context, cert_file = loopback_tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    return context


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    valid = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USERNAME.encode(), PASSWORD.encode())
    return AuthResult(success=valid, handled=False)  # handled=False: aiosmtpd answers 535 itself


@pytest.fixture
def tls_server(
    server_tls: ssl.SSLContext, smtp_server: Callable[..., tuple[SinkHandler, int]]
) -> Callable[[str], tuple[SinkHandler, int]]:
    def start(mode: str) -> tuple[SinkHandler, int]:
        # aiosmtpd does not see implicit TLS as TLS, so it would not offer AUTH unless told to.
        tls: dict[str, Any] = {"tls_context": server_tls, "require_starttls": True}
        if mode == "implicit":
            tls = {"ssl_context": server_tls, "auth_require_tls": False}
        return smtp_server(authenticator=authenticate, auth_required=True, **tls)

    return start


def send(port: int, mode: str, password: str) -> None:
    settings = Settings.load(smtp_host="127.0.0.1", smtp_port=port, smtp_tls=mode, smtp_username=USERNAME,
                             smtp_password=password)
    email = ack_request("reader@example.com").email
    message = compose(email, Bodies("text", "<p>html</p>"), SenderIdentity(), dt.datetime.now(dt.UTC))
    transport = SmtpTransport(settings, backoff=FAST_BACKOFF, timeout=5.0)
    try:
        transport.send(message, sender="readers@dailyplanet.example", recipient="reader@example.com")
    finally:
        transport.close()


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
def test_authenticated_delivery_over_tls(tls_server: Callable[[str], tuple[SinkHandler, int]],
                                         mode: str) -> None:
    sink, port = tls_server(mode)
    send(port, mode, PASSWORD)
    assert len(sink.messages) == 1


def test_rejected_credentials_are_permanent_and_not_the_recipients_fault(
    tls_server: Callable[[str], tuple[SinkHandler, int]],
) -> None:
    sink, port = tls_server("starttls")
    with pytest.raises(PermanentSendError, match="535") as refused:
        send(port, "starttls", "wrong password")
    assert not refused.value.recipient_rejected
    assert "wrong password" not in str(refused.value)
    assert sink.messages == []
