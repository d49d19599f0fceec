"""``.planetmail/local.json``: every local URL and credential, for scripts and people.

Credentials are generated once and kept across ``up`` runs (and across ``down --purge``).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.secure import client_credentials

WEBHOOK_PROVIDERS = ("sendgrid", "mailgun", "postmark", "ses")
BASIC_AUTH_PROVIDERS = ("sendgrid", "postmark")


def write_local_file(config: StackConfig, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    previous = read_local_file(config)
    document: dict[str, Any] = {
        "api_url": previous.get("api_url", "http://127.0.0.1:3000"),
        "api_token": previous.get("api_token") or secrets.token_urlsafe(32),
        "kafka_bootstrap": config.kafka_bootstrap,
        **client_credentials(config, previous),
        "zookeeper": config.zookeeper,
        "aws_endpoint_url": config.aws_endpoint_url,
        "smtp_host": config.host,
        "smtp_port": config.smtp_port,
        "smtp_viewer_url": config.smtp_viewer_url,
        "dashboard_url": previous.get("dashboard_url"),
        "metrics_url": previous.get("metrics_url"),
        "webhooks": _webhooks(previous.get("webhooks")),
        "logs_dir": str(config.logs_dir),
        **(extra or {}),
    }
    config.local_file.parent.mkdir(parents=True, exist_ok=True)
    config.local_file.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    config.local_file.chmod(0o600)
    return document


def read_local_file(config: StackConfig) -> dict[str, Any]:
    try:
        document = json.loads(config.local_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _webhooks(previous: Any) -> dict[str, Any]:
    kept = previous if isinstance(previous, dict) else {}
    return {provider: kept.get(provider) or _credential(provider) for provider in WEBHOOK_PROVIDERS}


def _credential(provider: str) -> Any:
    if provider in BASIC_AUTH_PROVIDERS:
        return {"username": provider, "password": secrets.token_urlsafe(24)}
    return secrets.token_hex(32)
