from __future__ import annotations

import json
from pathlib import Path

import pytest

from planetmail.settings import (
    ENV_CACHE_DIR,
    ENV_KAFKA_BOOTSTRAP,
    ENV_MAIL_TRANSPORT,
    ENV_SMTP_PORT,
    ENV_WEBHOOK_CREDENTIALS,
    Secret,
    Settings,
    SettingsError,
)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    (tmp_path / "local.json").write_text(json.dumps({
        "kafka_bootstrap": "127.0.0.1:19092", "smtp_port": 2025, "api_token": "from-file",
        "webhooks": {"sendgrid": {"username": "sg", "password": "pw"}, "mailgun": "key"},
    }))
    return tmp_path


def test_local_file_then_environment_then_explicit_arguments(state_dir: Path) -> None:
    from_file = Settings.load({}, state_dir=state_dir)
    assert from_file.kafka_bootstrap == "127.0.0.1:19092" and from_file.smtp_port == 2025
    from_env = Settings.load({ENV_KAFKA_BOOTSTRAP: "k:1"}, state_dir=state_dir)
    assert from_env.kafka_bootstrap == "k:1"
    explicit = Settings.load({ENV_KAFKA_BOOTSTRAP: "k:1"}, state_dir=state_dir, kafka_bootstrap="k:2")
    assert explicit.kafka_bootstrap == "k:2"


def test_webhook_credentials_from_local_file(state_dir: Path) -> None:
    settings = Settings.load({}, state_dir=state_dir)
    assert settings.webhook_secret("sendgrid").reveal() == "sg:pw"
    assert settings.webhook_secret("mailgun").reveal() == "key"
    assert settings.webhook_secret("postmark") == Secret("")


def test_webhook_credentials_from_environment(tmp_path: Path) -> None:
    settings = Settings.load({ENV_WEBHOOK_CREDENTIALS: json.dumps({"postmark": "u:p"})}, state_dir=tmp_path)
    assert settings.webhook_secret("postmark").reveal() == "u:p"


def test_webhook_credentials_from_environment_take_local_json_shape(tmp_path: Path) -> None:
    document = {"sendgrid": {"username": "sg", "password": "pw"}}
    settings = Settings.load({ENV_WEBHOOK_CREDENTIALS: json.dumps(document)}, state_dir=tmp_path)
    assert settings.webhook_secret("sendgrid").reveal() == "sg:pw"


def test_secrets_never_show_their_value(state_dir: Path) -> None:
    settings = Settings.load({}, state_dir=state_dir)
    assert settings.api_token.reveal() == "from-file"
    assert "from-file" not in repr(settings) and "from-file" not in str(settings.api_token)
    assert not Secret("") and Secret("x")


def test_integers_are_cast_and_bad_ones_name_the_variable(tmp_path: Path) -> None:
    assert Settings.load({ENV_SMTP_PORT: "9025"}, state_dir=tmp_path).smtp_port == 9025
    with pytest.raises(SettingsError, match=ENV_SMTP_PORT):
        Settings.load({ENV_SMTP_PORT: "twenty-five"}, state_dir=tmp_path)


def test_choices_are_validated_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=ENV_MAIL_TRANSPORT):
        Settings.load({ENV_MAIL_TRANSPORT: "pigeon"}, state_dir=tmp_path)


def test_cache_dir_from_environment_is_a_path(tmp_path: Path) -> None:
    assert Settings.load({ENV_CACHE_DIR: str(tmp_path / "c")}, state_dir=tmp_path).cache_dir == tmp_path / "c"


def test_broken_local_file_names_the_fix(tmp_path: Path) -> None:
    (tmp_path / "local.json").write_text("{")
    with pytest.raises(SettingsError, match="run 'planetmail up' to rewrite it"):
        Settings.load({}, state_dir=tmp_path)


def test_topic_prefix_applies_to_contract_names(tmp_path: Path) -> None:
    settings = Settings.load({}, state_dir=tmp_path, topic_prefix="t1.")
    assert settings.topic("mail.received") == "t1.mail.received"


@pytest.mark.parametrize("unusable", [{"username": "", "password": ""}, {"username": None, "password": None},
                                      {"username": "u"}, None, "", 5, "  "])
def test_unusable_webhook_credentials_are_empty_so_they_refuse(unusable) -> None:
    """``{"username": "", "password": ""}`` used to become the working credential ":" and null "None"."""
    from planetmail.settings import credentials_from_document

    assert credentials_from_document({"sendgrid": unusable})["sendgrid"].reveal() == ""


@pytest.mark.parametrize(("password", "tls", "refused"), [
    ("s3cret", "none", True),
    ("s3cret", "starttls", False),
    ("s3cret", "implicit", False),
    ("", "none", False),
])
def test_an_smtp_login_in_clear_is_refused_naming_the_fix(password: str, tls: str, refused: bool) -> None:
    settings = Settings(smtp_password=Secret(password), smtp_tls=tls)
    refusal = settings.cleartext_smtp_login()
    assert (refusal is not None) is refused
    if refusal:
        assert "PLANETMAIL_SMTP_TLS" in refusal and "starttls or implicit" in refusal
        assert password not in refusal
