"""planetmail.secrets: *_SECRET_ARN variables become settings, fetched once, locally nothing changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planetmail import secrets
from planetmail.kafka import connection_options
from planetmail.settings import (
    ENV_API_TOKEN,
    ENV_API_TOKEN_SECRET_ARN,
    ENV_KAFKA_ROOT_CA_SECRET_ARN,
    ENV_KAFKA_SASL_SECRET_ARN,
    ENV_SMTP_PASSWORD_SECRET_ARN,
    ENV_SMTP_USERNAME,
    ENV_WEBHOOK_CREDENTIALS_SECRET_ARN,
    Secret,
    Settings,
    SettingsError,
)

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:planetmail/{}-AbCdEf"


class FakeSecretsManager:
    def __init__(self, **secret_strings: str) -> None:
        self.strings = {ARN.format(name): value for name, value in secret_strings.items()}
        self.calls: list[str] = []

    def __call__(self, arn: str) -> str:
        self.calls.append(arn)
        if arn not in self.strings:
            raise secrets.SecretUnavailableError(f"cannot read secret {arn} (ResourceNotFoundException)")
        return self.strings[arn]


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FakeSecretsManager:
    fake = FakeSecretsManager(
        token="t0ken",
        webhooks=json.dumps({"sendgrid": {"username": "sg", "password": "pw"}, "mailgun": "signing-key"}),
        smtp="smtp-pass",
        kafka=json.dumps({"username": "planetmail", "password": "scram-pass"}),
    )
    monkeypatch.setattr(secrets, "fetcher", lambda endpoint, region: fake)
    return fake


def test_each_secret_arn_fills_its_settings(store: FakeSecretsManager, tmp_path: Path) -> None:
    settings = Settings.load({
        ENV_API_TOKEN_SECRET_ARN: ARN.format("token"),
        ENV_WEBHOOK_CREDENTIALS_SECRET_ARN: ARN.format("webhooks"),
        ENV_SMTP_PASSWORD_SECRET_ARN: ARN.format("smtp"),
        ENV_KAFKA_SASL_SECRET_ARN: ARN.format("kafka"),
    }, state_dir=tmp_path)

    assert settings.api_token == Secret("t0ken")
    assert settings.webhook_secret("sendgrid") == Secret("sg:pw")
    assert settings.webhook_secret("mailgun") == Secret("signing-key")
    assert settings.smtp_password == Secret("smtp-pass")
    assert settings.kafka_sasl_username == "planetmail"
    assert settings.kafka_sasl_password == Secret("scram-pass")
    assert "scram-pass" not in repr(settings)


def test_without_secret_arns_nothing_is_fetched(store: FakeSecretsManager, tmp_path: Path) -> None:
    (tmp_path / "local.json").write_text(json.dumps({"api_token": "from-local-json"}), encoding="utf-8")

    settings = Settings.load({ENV_API_TOKEN_SECRET_ARN: ""}, state_dir=tmp_path)

    assert settings.api_token == Secret("from-local-json")
    assert store.calls == []


def test_secret_beats_plain_variable_and_explicit_argument_beats_secret(
    store: FakeSecretsManager, tmp_path: Path
) -> None:
    environ = {ENV_API_TOKEN: "plain", ENV_API_TOKEN_SECRET_ARN: ARN.format("token")}

    assert Settings.load(environ, state_dir=tmp_path).api_token == Secret("t0ken")
    assert Settings.load(environ, state_dir=tmp_path, api_token="explicit").api_token == Secret("explicit")


@pytest.mark.parametrize(("text", "username", "password"), [
    ("just-the-password", "from-env", "just-the-password"),
    ('{"username": "ses-user", "password": "p"}', "ses-user", "p"),
    ('{"password": "p"}', "from-env", "p"),
])
def test_smtp_secret_is_a_password_or_a_login(text: str, username: str, password: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "fetcher", lambda endpoint, region: FakeSecretsManager(smtp=text))

    environ = {ENV_SMTP_PASSWORD_SECRET_ARN: ARN.format("smtp"), ENV_SMTP_USERNAME: "from-env"}

    settings = Settings.load(environ, state_dir=tmp_path)

    assert (settings.smtp_username, settings.smtp_password) == (username, Secret(password))


@pytest.mark.parametrize(("variable", "text", "complaint"), [
    (ENV_KAFKA_SASL_SECRET_ARN, "not json", "is not valid JSON"),
    (ENV_KAFKA_SASL_SECRET_ARN, '{"password": "hunter2"}', "has no username"),
    (ENV_KAFKA_SASL_SECRET_ARN, '{"username": "u"}', "has no password"),
    (ENV_WEBHOOK_CREDENTIALS_SECRET_ARN, '["sendgrid"]', "must be a JSON object"),
    (ENV_SMTP_PASSWORD_SECRET_ARN, '{"username": "u"}', "has no password"),
    (ENV_KAFKA_ROOT_CA_SECRET_ARN, '{"cert": "hunter2"}', "has no PEM certificate"),
    (ENV_KAFKA_ROOT_CA_SECRET_ARN, '{"certificate": "hunter2"}', "has no PEM certificate"),
])
def test_malformed_secret_names_the_variable(variable: str, text: str, complaint: str) -> None:
    with pytest.raises(SettingsError, match=complaint) as raised:
        secrets.settings_values({variable: ARN.format("x")}, FakeSecretsManager(x=text))

    assert variable in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_unreadable_secret_names_the_variable_and_the_arn(store: FakeSecretsManager) -> None:
    with pytest.raises(secrets.SecretUnavailableError) as raised:
        secrets.settings_values({ENV_API_TOKEN_SECRET_ARN: ARN.format("missing")}, store)

    assert ENV_API_TOKEN_SECRET_ARN in str(raised.value)
    assert ARN.format("missing") in str(raised.value)


def test_fetcher_reads_each_secret_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []

    def get_secret_string(arn: str, endpoint_url: str | None, region: str) -> str:
        reads.append(arn)
        return "value"

    monkeypatch.setattr(secrets, "_get_secret_string", get_secret_string)
    secrets.forget()
    fetch = secrets.fetcher(None, "eu-west-1")

    values = [fetch("arn-1"), fetch("arn-1"), secrets.fetcher(None, "eu-west-1")("arn-1"), fetch("arn-2")]

    assert values == ["value"] * 4
    assert reads == ["arn-1", "arn-2"]
    secrets.forget()


PEM = "-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHBfpegPjMCMA0GCSqGSIb3\n-----END CERTIFICATE-----\n"


def test_the_root_ca_secret_becomes_the_kafka_clients_ca_file(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The mappings' SERVER_ROOT_CA_CERTIFICATE secret serves the functions' own clients too."""
    monkeypatch.setattr(secrets, "fetcher",
                        lambda endpoint, region: FakeSecretsManager(ca=json.dumps({"certificate": PEM})))
    environ = {ENV_KAFKA_ROOT_CA_SECRET_ARN: ARN.format("ca"),
               "PLANETMAIL_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}

    first, again = (Settings.load(environ, state_dir=tmp_path) for _ in range(2))

    assert first.kafka_ssl_cafile == again.kafka_ssl_cafile
    assert Path(first.kafka_ssl_cafile or "").read_text(encoding="utf-8") == PEM
    assert connection_options(first)["ssl_cafile"] == first.kafka_ssl_cafile
