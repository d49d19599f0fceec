"""SMTP credentials with the settings' TLS default: refused by the transport rather than sent in clear."""

from __future__ import annotations

from pathlib import Path

import pytest

from planetmail.settings import ENV_SMTP_PASSWORD, ENV_SMTP_USERNAME, Settings
from responder.senders.smtp import InsecureCredentialsError, SmtpTransport


def test_a_password_configured_without_a_tls_mode_is_refused_not_sent_in_clear(tmp_path: Path) -> None:
    """PLANETMAIL_SMTP_TLS unset is ``none`` (the laptop's sink); the template always sets it (starttls)."""
    environment = {ENV_SMTP_USERNAME: "desk", ENV_SMTP_PASSWORD: "hunter2-secret"}
    settings = Settings.load(environment, state_dir=tmp_path)
    assert settings.smtp_tls == "none", "the premise: the settings' own default does not encrypt"
    with pytest.raises(InsecureCredentialsError, match="starttls or implicit"):
        SmtpTransport(settings)
