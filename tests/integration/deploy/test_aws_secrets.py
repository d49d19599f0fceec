"""Secrets from Secrets Manager on the local AWS endpoint: Settings.load and the emulated collector."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from deploy_aws import SecretsOnEndpoint

from planetmail import secrets
from planetmail.settings import (
    ENV_API_TOKEN_SECRET_ARN,
    ENV_AWS_ENDPOINT_URL,
    ENV_KAFKA_SASL_SECRET_ARN,
    ENV_SMTP_PASSWORD_SECRET_ARN,
    ENV_WEBHOOK_CREDENTIALS_SECRET_ARN,
    Secret,
    Settings,
)
from planetmail_local.emulator.service import Emulator, EmulatorOptions
from planetmail_local.emulator.template import load_application

pytestmark = pytest.mark.integration

TEMPLATE = Path(__file__).parents[3] / "template.yaml"
RAW_MAIL = (b"From: Ada <ada@example.org>\r\nTo: letters@dailyplanet.example\r\n"
            b"Subject: Renew my subscription\r\nMessage-ID: <deploy-test@example.org>\r\n\r\n"
            b"Please renew my subscription for another year.\r\n")


@pytest.fixture
def secret_store(stack_settings: Settings) -> Iterator[SecretsOnEndpoint]:
    store = SecretsOnEndpoint(stack_settings)
    secrets.forget()
    yield store
    secrets.forget()
    store.delete_all()


def test_settings_come_from_secrets_manager(secret_store: SecretsOnEndpoint, stack_settings: Settings,
                                            tmp_path: Path) -> None:
    environ = {
        ENV_AWS_ENDPOINT_URL: stack_settings.aws_endpoint_url or "",
        ENV_API_TOKEN_SECRET_ARN: secret_store.create("api-token", "token-from-aws"),
        ENV_WEBHOOK_CREDENTIALS_SECRET_ARN: secret_store.create("webhooks", json.dumps(
            {"postmark": {"username": "pm", "password": "pm-pass"}, "mailgun": "mg-key"})),
        ENV_SMTP_PASSWORD_SECRET_ARN: secret_store.create("smtp", "smtp-from-aws"),
        ENV_KAFKA_SASL_SECRET_ARN: secret_store.create("kafka", json.dumps(
            {"username": "scram-user", "password": "scram-pass"})),
    }

    settings = Settings.load(environ, state_dir=tmp_path)

    assert settings.api_token == Secret("token-from-aws")
    assert settings.webhook_secret("postmark") == Secret("pm:pm-pass")
    assert settings.webhook_secret("mailgun") == Secret("mg-key")
    assert settings.smtp_password == Secret("smtp-from-aws")
    assert settings.kafka_sasl_username == "scram-user"
    assert settings.kafka_sasl_password == Secret("scram-pass")


def test_a_secret_that_does_not_exist_fails_naming_variable_and_arn(
    secret_store: SecretsOnEndpoint, stack_settings: Settings, tmp_path: Path
) -> None:
    arn = secret_store.create("gone", "x")
    secret_store.client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    secret_store.arns.remove(arn)

    with pytest.raises(secrets.SecretUnavailableError) as raised:
        Settings.load({ENV_AWS_ENDPOINT_URL: stack_settings.aws_endpoint_url or "",
                       ENV_API_TOKEN_SECRET_ARN: arn}, state_dir=tmp_path)

    assert ENV_API_TOKEN_SECRET_ARN in str(raised.value)
    assert arn in str(raised.value)
    assert "ResourceNotFoundException" in str(raised.value)


@pytest.mark.slow
def test_emulated_collector_accepts_only_the_token_from_secrets_manager(
    secret_store: SecretsOnEndpoint, isolated_settings: Settings, tmp_path: Path
) -> None:
    """template.yaml's ApiTokenSecretArn reaches the real handler through the emulator."""
    arn = secret_store.create("api-token", "token-from-aws")
    parameters = {"ApiTokenSecretArn": arn, "TopicPrefix": isolated_settings.topic_prefix}
    app = load_application(TEMPLATE, parameters, kafka_bootstrap=isolated_settings.kafka_bootstrap)
    emulator = Emulator(app, EmulatorOptions(log_dir=tmp_path / "logs", api_port=0, lambda_port=0))
    emulator.start(kafka=False, schedules=False)
    try:
        with httpx.Client(base_url=emulator.api_url, timeout=60) as api:
            def submit(token: str) -> httpx.Response:
                return api.post("/v1/emails", content=RAW_MAIL, headers={
                    "Content-Type": "message/rfc822", "Authorization": f"Bearer {token}"})

            accepted = submit("token-from-aws")
            refused = submit(isolated_settings.api_token.reveal() or "local-token")
    finally:
        emulator.stop()

    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status"] == "received"
    assert refused.status_code == 401
    assert refused.json()["detail"] == "the bearer token is not valid"
