"""``.planetmail/local.json``: every local URL and credential, for scripts and people.

Credentials are generated once and kept across ``up`` runs (and across ``down --purge``).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
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
        "inbox_url": previous.get("inbox_url"),
        "inbox_token": previous.get("inbox_token") or secrets.token_urlsafe(32),
        "kafka_bootstrap": config.kafka_bootstrap,
        **client_credentials(config, previous),
        "zookeeper": config.zookeeper,
        "aws_endpoint_url": config.aws_endpoint_url,
        "smtp_host": config.host,
        "smtp_port": config.smtp_port,
        "smtp_viewer_url": config.smtp_viewer_url,
        "lambda_url": previous.get("lambda_url"),
        "dashboard_url": previous.get("dashboard_url"),
        "metrics_url": previous.get("metrics_url"),
        "webhooks": _webhooks(previous.get("webhooks")),
        "logs_dir": str(config.logs_dir),
        "target": config.target,
        **(extra or {}),
    }
    _write_atomically(config.local_file, json.dumps(document, indent=2) + "\n")
    return document


def _write_atomically(path: Path, text: str) -> None:
    """Readers (clients loading their settings while ``up`` runs) see the old file or the new one,
    never a half-written one; the file is 0600 before it holds a credential."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    partial.replace(path)


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
