"""``planetmail send``: post one message to the running collector and print its tracking id.

A ``.eml`` file goes to ``/v1/emails`` as message/rfc822, a ``.json`` file as the canonical
document; ``--webhook`` posts a provider payload file (SendGrid multipart dump, Postmark JSON,
SNS notification) to ``/webhooks/<provider>`` with the local credentials; without a file the
message is built from the flags.
"""

from __future__ import annotations

import base64
import json
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import click
import httpx

from planetmail.settings import Settings, SettingsError
from planetmail_local.cli.errors import UserError

DEFAULT_API_URL = "http://127.0.0.1:3000"
WEBHOOKS = ("sendgrid", "postmark", "ses")

Request = tuple[str, dict[str, str], bytes]
"""(path, headers, body) of one POST to the collector."""


def message_from_flags(sender: str, to: str, subject: str, text: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(text)
    return message.as_bytes()


def api_request(body: bytes, suffix: str, token: str) -> Request:
    content_type = "application/json" if suffix == ".json" else "message/rfc822"
    return "/v1/emails", {"Authorization": f"Bearer {token}", "Content-Type": content_type}, body


def webhook_request(provider: str, body: bytes, credentials: str) -> Request:
    headers: dict[str, str] = {}
    if provider in ("sendgrid", "postmark"):
        headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
    if provider == "sendgrid":
        boundary = body.split(b"\n", 1)[0].strip().removeprefix(b"--").decode("ascii", "replace")
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    else:
        json_body = provider == "postmark"
        headers["Content-Type"] = "application/json" if json_body else "text/plain; charset=UTF-8"
    return f"/webhooks/{provider}", headers, body


def post(api_url: str, request: Request) -> dict[str, Any]:
    path, headers, body = request
    try:
        response = httpx.post(api_url.rstrip("/") + path, headers=headers, content=body, timeout=30)
    except httpx.HTTPError as exc:
        raise UserError(f"cannot reach the collector at {api_url} ({exc}); run 'planetmail up'") from None
    document: dict[str, Any] = _json(response)
    if response.status_code >= 400:
        detail = document.get("detail") or response.text[:200]
        raise UserError(f"the collector refused the message ({response.status_code}): {detail}; "
                        "fix the input or the credentials in .planetmail/local.json")
    return document


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _api_url(settings: Settings, given: str | None) -> str:
    if given:
        return given
    path = settings.state_dir / "local.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, json.JSONDecodeError):
        raise UserError(f"{path} is not valid JSON; run 'planetmail up' to rewrite it") from None
    return str(document.get("api_url") or DEFAULT_API_URL)


@click.command()
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--webhook", type=click.Choice(WEBHOOKS), help="Post FILE as this provider's webhook payload.")
@click.option("--from", "sender", default="reader@example.org", show_default=True)
@click.option("--to", default="letters@dailyplanet.example", show_default=True)
@click.option("--subject", default="Hello from planetmail send", show_default=True)
@click.option("--text", default="Where is my newspaper?", show_default=True)
@click.option("--url", "api_url", help="Collector base URL (default: api_url of .planetmail/local.json).")
def send(file: Path | None, webhook: str | None, sender: str, to: str, subject: str, text: str,
         api_url: str | None) -> None:
    """Post a message (FILE or flags) to the running collector and print its tracking id."""
    try:
        settings = Settings.load()
    except SettingsError as exc:
        raise UserError(str(exc)) from None
    if webhook and file is None:
        raise UserError("--webhook needs a payload FILE; pass e.g. a Postmark JSON file")
    if webhook and file is not None:
        request = webhook_request(webhook, file.read_bytes(), settings.webhook_secret(webhook).reveal())
    elif file is not None:
        request = api_request(file.read_bytes(), file.suffix.lower(), settings.api_token.reveal())
    else:
        raw = message_from_flags(sender, to, subject, text)
        request = api_request(raw, ".eml", settings.api_token.reveal())
    document = post(_api_url(settings, api_url), request)
    click.echo(f"{document.get('status', 'accepted')} {document.get('id', '')}"
               + (" (duplicate of an earlier delivery)" if document.get("duplicate") else ""))
