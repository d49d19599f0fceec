"""What the end-to-end tests share: credentials, the workers' environment, sending, the sink's URL."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from planetmail.settings import ENV_API_TOKEN, ENV_WEBHOOK_CREDENTIALS, ENV_ZK_ROOT, Settings
from planetmail_local.bench.traffic import CorpusMessage, InboundRequest, WebhookCredentials, load_corpus

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = WebhookCredentials(
    api_token="e2e-token",
    basic={"sendgrid": ("sg-user", "sg-pass"), "postmark": ("pm-user", "pm-pass")},
    mailgun_signing_key="e2e-mailgun-key",
)


def worker_environment(settings: Settings, zk_root: str) -> dict[str, str]:
    """Secrets and endpoints the functions read from their environment (not from the template)."""
    return {
        ENV_API_TOKEN: CREDENTIALS.api_token,
        ENV_WEBHOOK_CREDENTIALS: json.dumps({
            "sendgrid": "sg-user:sg-pass", "postmark": "pm-user:pm-pass", "mailgun": "e2e-mailgun-key"}),
        "AWS_ENDPOINT_URL": str(settings.aws_endpoint_url),
        ENV_ZK_ROOT: zk_root,
    }


def genuine_corpus() -> list[CorpusMessage]:
    """Spam left out: whether one message is caught is the model's business (tested with the
    processor); the reply policy's auto-replies are the mail that must never be answered."""
    return [m for m in load_corpus(ROOT / "data") if m.category != "spam"]


def send_all(base_url: str, requests: list[InboundRequest]) -> dict[str, bool]:
    """POST every request; tracking id → whether an acknowledgement is expected."""
    accepted: dict[str, bool] = {}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for request in requests:
            response = client.post(request.path, headers=request.headers, content=request.content,
                                   json=request.json_body, data=request.form)
            assert response.status_code == 202, (request.provider, response.text)
            accepted[response.json()["id"]] = request.expects_ack
    return accepted


def viewer_url(settings: Settings) -> str:
    local = json.loads((settings.state_dir / "local.json").read_text(encoding="utf-8"))
    return str(local["smtp_viewer_url"])
