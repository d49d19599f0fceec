"""Every setting planetmail reads, in one place.

Settings are read once, cast, and validated; a bad value fails fast naming the variable.
An explicit keyword argument always beats the environment (``Settings.load(kafka_bootstrap=...)``),
and the environment beats ``.planetmail/local.json`` written by ``planetmail up``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Environment variable names: the only place they are spelled out.
ENV_KAFKA_BOOTSTRAP = "PLANETMAIL_KAFKA_BOOTSTRAP"
ENV_KAFKA_SECURITY_PROTOCOL = "PLANETMAIL_KAFKA_SECURITY_PROTOCOL"
ENV_KAFKA_SASL_MECHANISM = "PLANETMAIL_KAFKA_SASL_MECHANISM"
ENV_KAFKA_SASL_USERNAME = "PLANETMAIL_KAFKA_SASL_USERNAME"
ENV_KAFKA_SASL_PASSWORD = "PLANETMAIL_KAFKA_SASL_PASSWORD"  # noqa: S105 - a variable name, not a secret
ENV_KAFKA_SSL_CAFILE = "PLANETMAIL_KAFKA_SSL_CAFILE"
ENV_TOPIC_PREFIX = "PLANETMAIL_TOPIC_PREFIX"
ENV_ZOOKEEPER = "PLANETMAIL_ZOOKEEPER"
ENV_ZK_ROOT = "PLANETMAIL_ZK_ROOT"
ENV_AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL"
ENV_AWS_REGION = "AWS_REGION"
ENV_RAW_BUCKET = "PLANETMAIL_RAW_BUCKET"
ENV_STATUS_TABLE = "PLANETMAIL_STATUS_TABLE"
ENV_IDEMPOTENCY_TABLE = "PLANETMAIL_IDEMPOTENCY_TABLE"
ENV_SES_IDENTITY = "PLANETMAIL_SES_IDENTITY"
ENV_SMTP_HOST = "PLANETMAIL_SMTP_HOST"
ENV_SMTP_PORT = "PLANETMAIL_SMTP_PORT"
ENV_SMTP_USERNAME = "PLANETMAIL_SMTP_USERNAME"
ENV_SMTP_PASSWORD = "PLANETMAIL_SMTP_PASSWORD"  # noqa: S105 - a variable name, not a secret
ENV_SMTP_TLS = "PLANETMAIL_SMTP_TLS"
ENV_MAIL_TRANSPORT = "PLANETMAIL_MAIL_TRANSPORT"
ENV_API_TOKEN = "PLANETMAIL_API_TOKEN"  # noqa: S105 - a variable name, not a secret
ENV_WEBHOOK_CREDENTIALS = "PLANETMAIL_WEBHOOK_CREDENTIALS"
ENV_MODEL_PATH = "PLANETMAIL_MODEL_PATH"
ENV_STATE_DIR = "PLANETMAIL_STATE_DIR"
ENV_CACHE_DIR = "PLANETMAIL_CACHE_DIR"
ENV_MAX_BODY_BYTES = "PLANETMAIL_MAX_BODY_BYTES"
ENV_INLINE_BODY_LIMIT = "PLANETMAIL_INLINE_BODY_LIMIT"
ENV_SNS_CERT_DIR = "PLANETMAIL_SNS_CERT_DIR"
ENV_SNS_TOPIC_ARNS = "PLANETMAIL_SNS_TOPIC_ARNS"
ENV_SNS_MIN_SIGNATURE_VERSION = "PLANETMAIL_SNS_MIN_SIGNATURE_VERSION"
ENV_SES_BUCKET = "PLANETMAIL_SES_BUCKET"
ENV_SES_PREFIX = "PLANETMAIL_SES_PREFIX"
ENV_IMAP_HOST = "PLANETMAIL_IMAP_HOST"
ENV_IMAP_PORT = "PLANETMAIL_IMAP_PORT"
ENV_IMAP_USERNAME = "PLANETMAIL_IMAP_USERNAME"
ENV_IMAP_PASSWORD = "PLANETMAIL_IMAP_PASSWORD"  # noqa: S105 - a variable name, not a secret
ENV_IMAP_MAILBOX = "PLANETMAIL_IMAP_MAILBOX"
ENV_IMAP_TLS = "PLANETMAIL_IMAP_TLS"
ENV_ZK_SESSION_TIMEOUT = "PLANETMAIL_ZK_SESSION_TIMEOUT"
ENV_CONFIG_SOURCE = "PLANETMAIL_CONFIG_SOURCE"
ENV_CONFIG_DOCUMENT = "PLANETMAIL_CONFIG"
ENV_CONFIG_PARAMETER = "PLANETMAIL_CONFIG_PARAMETER"
ENV_CONFIG_REFRESH_SECONDS = "PLANETMAIL_CONFIG_REFRESH_SECONDS"
ENV_COORDINATION = "PLANETMAIL_COORDINATION"
ENV_ALERT_TOPIC_ARN = "PLANETMAIL_ALERT_TOPIC_ARN"
# On AWS: Secrets Manager ARNs resolved by planetmail.secrets into the settings they name.
ENV_API_TOKEN_SECRET_ARN = "PLANETMAIL_API_TOKEN_SECRET_ARN"  # noqa: S105 - a variable name
ENV_WEBHOOK_CREDENTIALS_SECRET_ARN = "PLANETMAIL_WEBHOOK_CREDENTIALS_SECRET_ARN"  # noqa: S105
ENV_SMTP_PASSWORD_SECRET_ARN = "PLANETMAIL_SMTP_PASSWORD_SECRET_ARN"  # noqa: S105 - a variable name
ENV_KAFKA_SASL_SECRET_ARN = "PLANETMAIL_KAFKA_SASL_SECRET_ARN"  # noqa: S105 - a variable name
ENV_KAFKA_ROOT_CA_SECRET_ARN = "PLANETMAIL_KAFKA_ROOT_CA_SECRET_ARN"  # noqa: S105 - a variable name
ENV_MODEL_BUCKET = "PLANETMAIL_MODEL_BUCKET"
ENV_MODEL_PREFIX = "PLANETMAIL_MODEL_PREFIX"

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MAIL_TRANSPORTS = ("smtp", "ses")
SMTP_TLS_MODES = ("none", "starttls", "implicit")
CONFIG_SOURCES = ("zookeeper", "environment", "ssm")
COORDINATION_BACKENDS = ("zookeeper", "dynamodb")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable and the fix."""


class Secret:
    """A string that never shows itself in logs, reprs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__


def default_state_dir() -> Path:
    """``.planetmail/`` of the checkout (or of the working directory) unless configured."""
    configured = os.environ.get(ENV_STATE_DIR)
    if configured:
        return Path(configured)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "template.yaml").exists() and (parent / "pyproject.toml").exists():
            return parent / ".planetmail"
    return Path.cwd() / ".planetmail"


@dataclasses.dataclass(frozen=True)
class Settings:
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: Secret = dataclasses.field(default_factory=lambda: Secret(""))
    kafka_ssl_cafile: str | None = None
    topic_prefix: str = ""
    zookeeper: str = "127.0.0.1:2181"
    zk_root: str = "/planetmail"
    aws_endpoint_url: str | None = None
    aws_region: str = "us-east-1"
    raw_bucket: str = "planetmail-raw-mail"
    status_table: str = "planetmail-status"
    idempotency_table: str = "planetmail-idempotency"
    ses_identity: str = "dailyplanet.example"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: Secret = dataclasses.field(default_factory=lambda: Secret(""))
    smtp_tls: str = "none"
    mail_transport: str = "smtp"
    api_token: Secret = dataclasses.field(default_factory=lambda: Secret(""))
    webhook_credentials: Mapping[str, Secret] = dataclasses.field(default_factory=dict)
    model_path: str | None = None
    model_bucket: str | None = None
    """On AWS: the S3 bucket holding the models folder ``planetmail train`` builds (LATEST, <version>/)."""
    model_prefix: str = "models/"
    state_dir: Path = dataclasses.field(default_factory=default_state_dir)
    cache_dir: Path = dataclasses.field(default_factory=lambda: Path.home() / ".cache" / "planetmail")
    """Downloads kept outside git (the Kafka jars resolved by Maven)."""
    max_body_bytes: int = 6 * 1024 * 1024
    """Request bodies the collector reads: what can reach a function at all (Lambda's 6 MB synchronous
    payload; a binary body is base64 in it, so about 4.5 MB). Larger mail arrives through SES → S3."""
    inline_body_limit: int = 256 * 1024
    sns_cert_dir: str | None = None
    """Local trust store of SNS signing certificates (files named like the certificate URL's last segment)."""
    sns_topic_arns: str = ""
    """Comma-separated SNS topics the SES webhook accepts; empty refuses every SNS message (fail closed)."""
    sns_min_signature_version: int = 2
    """Lowest SNS SignatureVersion accepted: 2 (SHA256); 1 (SHA1, SNS's default) only for old topics."""
    ses_bucket: str = ""
    """The only S3 bucket an SES notification may name (S3 action); empty refuses S3 actions."""
    ses_prefix: str = ""
    """The key prefix SES writes under in ``ses_bucket``; objects outside it are never read."""
    imap_host: str | None = None
    imap_port: int = 993
    imap_username: str | None = None
    imap_password: Secret = dataclasses.field(default_factory=lambda: Secret(""))
    imap_mailbox: str = "INBOX"
    imap_tls: bool = True
    zk_session_timeout: int = 10
    """Seconds; how long a dead leader or worker keeps its ZooKeeper nodes."""
    config_source: str = "zookeeper"
    """Where the live PipelineConfig comes from: zookeeper (local), environment or ssm (AWS)."""
    config_document: str | None = None
    """A PipelineConfig JSON document (the environment source; the ssm source's fallback)."""
    config_parameter: str = "/planetmail/config"
    config_refresh_seconds: int = 30
    coordination: str = "zookeeper"
    """Leases and cursors of singleton jobs: zookeeper (local) or dynamodb (AWS, the idempotency table)."""
    alert_topic_arn: str | None = None
    """SNS topic the SLA watchdog alerts (AWS); unset locally, where breaches reach the dashboard."""

    def __post_init__(self) -> None:
        _require_choice("kafka_security_protocol", ENV_KAFKA_SECURITY_PROTOCOL,
                        self.kafka_security_protocol, SECURITY_PROTOCOLS)
        _require_choice("mail_transport", ENV_MAIL_TRANSPORT, self.mail_transport, MAIL_TRANSPORTS)
        _require_choice("smtp_tls", ENV_SMTP_TLS, self.smtp_tls, SMTP_TLS_MODES)
        _require_choice("config_source", ENV_CONFIG_SOURCE, self.config_source, CONFIG_SOURCES)
        _require_choice("coordination", ENV_COORDINATION, self.coordination, COORDINATION_BACKENDS)

    def cleartext_smtp_login(self) -> str | None:
        """Why these settings must not log in to SMTP (a password and ``smtp_tls=none``), or None.

        The responder and the SLA watcher's operator mail both refuse on it, so the rule is one."""
        if self.smtp_password and self.smtp_tls == "none":
            return (f"an SMTP password is configured with {ENV_SMTP_TLS}=none; credentials are never sent "
                    f"in clear: set {ENV_SMTP_TLS} (template parameter SmtpTls) to starttls or implicit")
        return None

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from (lowest first) defaults, local.json, the environment, explicit overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        state_dir = Path(overrides.get("state_dir") or env.get(ENV_STATE_DIR) or default_state_dir())
        values["state_dir"] = state_dir
        values.update(_from_local_file(state_dir / "local.json"))
        values.update(_from_environment(env))
        values.update(_from_secrets_manager(env, {**values, **overrides}))
        values.update(overrides)
        if "cache_dir" in values:
            values["cache_dir"] = Path(values["cache_dir"])
        for name in ("kafka_sasl_password", "smtp_password", "api_token", "imap_password"):
            if isinstance(values.get(name), str):
                values[name] = Secret(values[name])
        return cls(**values)

    def topic(self, name: str) -> str:
        """The physical Kafka topic for a contract name such as ``mail.received``."""
        return f"{self.topic_prefix}{name}"

    def webhook_secret(self, provider: str) -> Secret:
        return self.webhook_credentials.get(provider, Secret(""))


_INT_FIELDS = {"smtp_port", "max_body_bytes", "inline_body_limit",
               "imap_port", "zk_session_timeout", "config_refresh_seconds",
               "sns_min_signature_version"}

_ENV_FIELDS = {
    ENV_KAFKA_BOOTSTRAP: "kafka_bootstrap",
    ENV_KAFKA_SECURITY_PROTOCOL: "kafka_security_protocol",
    ENV_KAFKA_SASL_MECHANISM: "kafka_sasl_mechanism",
    ENV_KAFKA_SASL_USERNAME: "kafka_sasl_username",
    ENV_KAFKA_SASL_PASSWORD: "kafka_sasl_password",
    ENV_KAFKA_SSL_CAFILE: "kafka_ssl_cafile",
    ENV_TOPIC_PREFIX: "topic_prefix",
    ENV_ZOOKEEPER: "zookeeper",
    ENV_ZK_ROOT: "zk_root",
    ENV_AWS_ENDPOINT_URL: "aws_endpoint_url",
    ENV_AWS_REGION: "aws_region",
    ENV_RAW_BUCKET: "raw_bucket",
    ENV_STATUS_TABLE: "status_table",
    ENV_IDEMPOTENCY_TABLE: "idempotency_table",
    ENV_SES_IDENTITY: "ses_identity",
    ENV_SMTP_HOST: "smtp_host",
    ENV_SMTP_PORT: "smtp_port",
    ENV_SMTP_USERNAME: "smtp_username",
    ENV_SMTP_PASSWORD: "smtp_password",
    ENV_SMTP_TLS: "smtp_tls",
    ENV_CACHE_DIR: "cache_dir",
    ENV_MAIL_TRANSPORT: "mail_transport",
    ENV_API_TOKEN: "api_token",
    ENV_MODEL_PATH: "model_path",
    ENV_MODEL_BUCKET: "model_bucket",
    ENV_MODEL_PREFIX: "model_prefix",
    ENV_MAX_BODY_BYTES: "max_body_bytes",
    ENV_INLINE_BODY_LIMIT: "inline_body_limit",
    ENV_SNS_CERT_DIR: "sns_cert_dir",
    ENV_SNS_TOPIC_ARNS: "sns_topic_arns",
    ENV_SNS_MIN_SIGNATURE_VERSION: "sns_min_signature_version",
    ENV_SES_BUCKET: "ses_bucket",
    ENV_SES_PREFIX: "ses_prefix",
    ENV_IMAP_HOST: "imap_host",
    ENV_IMAP_PORT: "imap_port",
    ENV_IMAP_USERNAME: "imap_username",
    ENV_IMAP_PASSWORD: "imap_password",
    ENV_IMAP_MAILBOX: "imap_mailbox",
    ENV_ZK_SESSION_TIMEOUT: "zk_session_timeout",
    ENV_CONFIG_SOURCE: "config_source",
    ENV_CONFIG_DOCUMENT: "config_document",
    ENV_CONFIG_PARAMETER: "config_parameter",
    ENV_CONFIG_REFRESH_SECONDS: "config_refresh_seconds",
    ENV_COORDINATION: "coordination",
    ENV_ALERT_TOPIC_ARN: "alert_topic_arn",
}

# Keys of .planetmail/local.json that map onto settings (the file also holds URLs for people).
_LOCAL_FILE_FIELDS = {
    "kafka_bootstrap": "kafka_bootstrap",
    "zookeeper": "zookeeper",
    "aws_endpoint_url": "aws_endpoint_url",
    "smtp_host": "smtp_host",
    "smtp_port": "smtp_port",
    "api_token": "api_token",
    "kafka_security_protocol": "kafka_security_protocol",
    "kafka_sasl_mechanism": "kafka_sasl_mechanism",
    "kafka_sasl_username": "kafka_sasl_username",
    "kafka_sasl_password": "kafka_sasl_password",
    "kafka_ssl_cafile": "kafka_ssl_cafile",
}


def _from_environment(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for variable, field in _ENV_FIELDS.items():
        raw = env.get(variable)
        if raw is None or raw == "":
            continue
        values[field] = _cast_int(variable, raw) if field in _INT_FIELDS else raw
    if env.get(ENV_IMAP_TLS):
        values["imap_tls"] = env[ENV_IMAP_TLS].strip().lower() not in ("0", "false", "no", "off")
    if env.get(ENV_WEBHOOK_CREDENTIALS):
        values["webhook_credentials"] = _parse_credentials(ENV_WEBHOOK_CREDENTIALS,
                                                           env[ENV_WEBHOOK_CREDENTIALS])
    return values


def _from_secrets_manager(env: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, Any]:
    """Settings held in AWS Secrets Manager, named by the ``*_SECRET_ARN`` variables (none locally)."""
    from planetmail import secrets

    fetch = secrets.fetcher(values.get("aws_endpoint_url"), values.get("aws_region") or "us-east-1")
    return secrets.settings_values(env, fetch)


def _from_local_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SettingsError(f"{path} is not valid JSON ({exc}); run 'planetmail up' to rewrite it") from exc
    values = {field: document[key] for key, field in _LOCAL_FILE_FIELDS.items() if key in document}
    if isinstance(document.get("webhooks"), dict):
        values["webhook_credentials"] = credentials_from_document(document["webhooks"])
    return values


def credentials_from_document(document: Mapping[str, Any]) -> dict[str, Secret]:
    """Provider → credential: a secret string, or ``{"username", "password"}`` for basic auth."""
    return {str(provider): Secret(_credential(value)) for provider, value in document.items()}


def _credential(value: Any) -> str:
    """A webhook credential as the collector reads it: ``{"username", "password"}`` → ``user:password``.

    Anything unusable (null, an empty or non-string user or password, a number) becomes the empty
    credential, which refuses every request: ``":"`` or ``"None"`` must never be a working secret.
    """
    if isinstance(value, dict):
        user, password = value.get("username"), value.get("password")
        usable = isinstance(user, str) and isinstance(password, str) and user.strip() and password.strip()
        return f"{user}:{password}" if usable else ""
    return value if isinstance(value, str) and value.strip() else ""


def _parse_credentials(variable: str, raw: str) -> dict[str, Secret]:
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{variable} must be a JSON object of provider to secret ({exc.msg})") from exc
    if not isinstance(document, dict):
        raise SettingsError(f"{variable} must be a JSON object of provider to secret")
    return credentials_from_document(document)


def _cast_int(variable: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{variable}={raw!r} is not a whole number; set it to e.g. 1025") from None


def _require_choice(field: str, variable: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise SettingsError(f"{variable} ({field}) is {value!r}; choose one of {', '.join(choices)}")
