"""Secrets kept in AWS Secrets Manager, resolved into settings once per cold start.

On AWS the template hands each function a secret's ARN (``PLANETMAIL_*_SECRET_ARN``), never its
value. ``Settings.load`` resolves those variables here; locally they are unset and the values come
from the environment and ``.planetmail/local.json`` as before. A secret is fetched once per process
(one Lambda cold start) and kept, so a rotated secret reaches workers as they are recycled.

Secret formats (``SecretString``):

- API token: the token itself.
- Webhook credentials: ``{"sendgrid": {"username": ..., "password": ...}, "mailgun": "<signing key>"}``,
  the same document as ``PLANETMAIL_WEBHOOK_CREDENTIALS`` and the ``webhooks`` of local.json.
- SMTP password: the password itself, or ``{"username": ..., "password": ...}``.
- Kafka SASL/SCRAM: ``{"username": ..., "password": ...}``, the format Amazon MSK requires.
- Kafka root CA (a self-managed cluster whose certificate a private CA signed): ``{"certificate": PEM}``,
  the format of the mappings' ``SERVER_ROOT_CA_CERTIFICATE``. The functions' own Kafka clients need it
  too; it is written to a file in the temporary folder (kafka-python takes a CA file).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from planetmail.files import write_whole
from planetmail.settings import (
    ENV_API_TOKEN_SECRET_ARN,
    ENV_KAFKA_ROOT_CA_SECRET_ARN,
    ENV_KAFKA_SASL_SECRET_ARN,
    ENV_SMTP_PASSWORD_SECRET_ARN,
    ENV_WEBHOOK_CREDENTIALS_SECRET_ARN,
    Secret,
    Settings,
    SettingsError,
    credentials_from_document,
)

Fetch = Callable[[str], str]
"""The ``SecretString`` of the secret with this ARN (or name)."""

SecretParser = Callable[[str, str], dict[str, Any]]
"""(variable, secret string) → the settings values it provides."""


def api_token(variable: str, text: str) -> dict[str, Any]:
    return {"api_token": Secret(text.strip())}


def webhook_credentials(variable: str, text: str) -> dict[str, Any]:
    return {"webhook_credentials": credentials_from_document(_json_object(variable, text))}


def smtp_login(variable: str, text: str) -> dict[str, Any]:
    if not text.lstrip().startswith("{"):
        return {"smtp_password": Secret(text)}
    username, password = _login(variable, text)
    return {"smtp_username": username, "smtp_password": password} if username else {"smtp_password": password}


def kafka_sasl_login(variable: str, text: str) -> dict[str, Any]:
    username, password = _login(variable, text)
    if not username:
        raise SettingsError(f"the secret named by {variable} has no username; "
                            'store {"username": ..., "password": ...} as Amazon MSK requires')
    return {"kafka_sasl_username": username, "kafka_sasl_password": password}


def kafka_root_ca(variable: str, text: str) -> dict[str, Any]:
    certificate = _json_object(variable, text).get("certificate")
    if not isinstance(certificate, str) or "-----BEGIN CERTIFICATE-----" not in certificate:
        raise SettingsError(f"the secret named by {variable} has no PEM certificate; "
                            'store {"certificate": "-----BEGIN CERTIFICATE-----..."}')
    return {"kafka_ssl_cafile": str(_ca_file(certificate))}


def _ca_file(certificate: str) -> Path:
    """The certificate in a file named by its digest, so an existing one is this certificate."""
    data = certificate.encode()
    digest = hashlib.sha256(data).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"planetmail-kafka-root-ca-{digest}.pem"
    if not path.is_file():
        write_whole(path, data)
    return path


PARSERS: Final[Mapping[str, SecretParser]] = {
    ENV_API_TOKEN_SECRET_ARN: api_token,
    ENV_WEBHOOK_CREDENTIALS_SECRET_ARN: webhook_credentials,
    ENV_SMTP_PASSWORD_SECRET_ARN: smtp_login,
    ENV_KAFKA_SASL_SECRET_ARN: kafka_sasl_login,
    ENV_KAFKA_ROOT_CA_SECRET_ARN: kafka_root_ca,
}


def settings_values(environ: Mapping[str, str], fetch: Fetch) -> dict[str, Any]:
    """The settings every ``*_SECRET_ARN`` variable set in ``environ`` stands for."""
    values: dict[str, Any] = {}
    for variable, parse in PARSERS.items():
        arn = environ.get(variable, "").strip()
        if arn:
            values.update(parse(variable, _fetch_for(variable, arn, fetch)))
    return values


_fetched: dict[tuple[str | None, str, str], str] = {}


def fetcher(endpoint_url: str | None, region: str) -> Fetch:
    """A Secrets Manager reader that fetches each secret once per process."""

    def fetch(arn: str) -> str:
        key = (endpoint_url, region, arn)
        if key not in _fetched:
            _fetched[key] = _get_secret_string(arn, endpoint_url, region)
        return _fetched[key]

    return fetch


def forget() -> None:
    """Drop every fetched secret (tests; a rotated secret otherwise needs a new cold start)."""
    _fetched.clear()


class SecretUnavailableError(SettingsError):
    """Secrets Manager refused or could not serve a secret; the message names the variable and ARN."""


def _fetch_for(variable: str, arn: str, fetch: Fetch) -> str:
    try:
        return fetch(arn)
    except SecretUnavailableError as exc:
        raise SecretUnavailableError(f"{variable}: {exc}") from None


def _get_secret_string(arn: str, endpoint_url: str | None, region: str) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    from planetmail import aws

    client = aws.client("secretsmanager", Settings(aws_endpoint_url=endpoint_url, aws_region=region))
    try:
        response = client.get_secret_value(SecretId=arn)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise SecretUnavailableError(f"cannot read secret {arn} ({code}); check the ARN and that the "
                                     "function's role may call secretsmanager:GetSecretValue") from None
    except BotoCoreError as exc:
        raise SecretUnavailableError(f"cannot reach Secrets Manager for {arn} ({exc})") from None
    if "SecretString" not in response:
        raise SecretUnavailableError(f"secret {arn} is binary; store it as a SecretString")
    return str(response["SecretString"])


def _json_object(variable: str, text: str) -> dict[str, Any]:
    from planetmail.codec import RecordError, load_object

    try:
        return load_object(text, f"the secret named by {variable}")
    except RecordError as exc:
        raise SettingsError(str(exc)) from None


def _login(variable: str, text: str) -> tuple[str | None, Secret]:
    document = _json_object(variable, text)
    if not isinstance(document.get("password"), str):
        raise SettingsError(f"the secret named by {variable} has no password; "
                            'store {"username": ..., "password": ...}')
    username = document.get("username")
    return (str(username) if username else None), Secret(document["password"])
