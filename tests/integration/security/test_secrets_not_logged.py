"""Secrets never reach what the system writes.

The whole pipeline runs as ``planetmail start`` runs it (template.yaml in the FaaS emulator, every
Kafka mapping polling) with freshly made secrets: the API token, the SendGrid and Postmark Basic
credentials, the Mailgun signing key, an SMTP password (a real AUTH-requiring SMTP server takes the
acknowledgements) and the Kafka SASL password when the stack is secured. Genuine traffic goes through
every provider and ``planetmail send``; refused requests present wrong secrets of their own. Then
every secret, as is and base64-encoded, is looked for in the emulator's per-function logs, the
command's stdout/stderr, the stack's logs under the state dir, every record on the run's topics
(mail.events among them) and the status rows of the accepted messages.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import collector_stack
import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from collector_gateway import TEMPLATE
from collector_payloads import FIXTURES, SNS_CERT_NAME
from kazoo.exceptions import NoNodeError
from secret_scan import Leak, forms, fresh, leaks, read_files, smtp_auth_forms
from security_traffic import (
    provider_requests,
    send,
    ses_document,
    ses_request,
    topic_values,
    user_password,
    with_headers,
)
from self_signed_tls import loopback_tls

from planetmail import aws
from planetmail import settings as env
from planetmail.coordination.client import new_client
from planetmail.settings import Settings
from planetmail.topics import contract_topics
from planetmail_local.bench.traffic import WebhookCredentials
from planetmail_local.stack.config import StackConfig, free_port
from planetmail_local.stack.steps import ClassifierModel
from planetmail_local.stack.topics import delete_topics, ensure_topics

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

PLANETMAIL = str(Path(sys.executable).parent / "planetmail")
SMTP_USER = "desk"
SECRETS = {
    "api token": fresh("api-token"),
    "sendgrid credentials": "sg-user:" + fresh("sg-password"),
    "postmark credentials": "pm-user:" + fresh("pm-password"),
    "mailgun signing key": fresh("mailgun-key"),
    "smtp password": fresh("smtp-password"),
}
PRESENTED = {
    "presented wrong token": fresh("presented-token"),
    "presented wrong sendgrid credentials": "sg-user:" + fresh("presented-password"),
    "wrong mailgun signing key": fresh("presented-key"),
}


CREDENTIALS = WebhookCredentials(
    api_token=SECRETS["api token"],
    basic={p: user_password(SECRETS[f"{p} credentials"]) for p in ("sendgrid", "postmark")},
    mailgun_signing_key=SECRETS["mailgun signing key"],
)
WRONG = WebhookCredentials(
    api_token=PRESENTED["presented wrong token"],
    basic={"sendgrid": user_password(PRESENTED["presented wrong sendgrid credentials"]),
           "postmark": CREDENTIALS.basic["sendgrid"]},
    mailgun_signing_key=PRESENTED["wrong mailgun signing key"],
)
FINISHED = {"acknowledged", "suppressed"}


@dataclasses.dataclass
class Run:
    """What one run of the pipeline left behind, to be searched."""

    accepted: list[str]
    refused: list[int]
    delivered: int
    """Acknowledgements the AUTH-requiring SMTP server took (so the SMTP password was used)."""
    documents: dict[str, str]


class AuthenticatingSink:
    """An SMTP server that takes mail only after STARTTLS and AUTH with the test's SMTP credentials (the
    responder never sends a password in clear text)."""

    def __init__(self, tls: ssl.SSLContext) -> None:
        self.messages = 0
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port(), authenticator=self._check,
                                     auth_required=True, tls_context=tls, require_starttls=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages += 1
        return "250 2.0.0 Queued"

    @staticmethod
    def _check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        valid = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            SMTP_USER.encode(), SECRETS["smtp password"].encode())
        return AuthResult(success=valid, handled=False)


def secret_forms(settings: Settings) -> dict[str, set[str]]:
    found = {name: forms(value) for name, value in {**SECRETS, **PRESENTED}.items()}
    found["smtp password"] |= smtp_auth_forms(SMTP_USER, SECRETS["smtp password"])
    if settings.kafka_sasl_password:
        found["kafka sasl password"] = forms(settings.kafka_sasl_password.reveal())
    return found


def worker_environment(settings: Settings, trust: Path) -> dict[str, str]:
    credentials = {p: SECRETS[f"{p} credentials"] for p in ("sendgrid", "postmark")}
    return {
        env.ENV_API_TOKEN: SECRETS["api token"],
        env.ENV_WEBHOOK_CREDENTIALS: json.dumps({**credentials, "mailgun": SECRETS["mailgun signing key"]}),
        env.ENV_SMTP_PASSWORD: SECRETS["smtp password"],
        env.ENV_AWS_ENDPOINT_URL: str(settings.aws_endpoint_url),
        env.ENV_ZK_ROOT: settings.zk_root,
        env.ENV_STATE_DIR: str(settings.state_dir),
        env.ENV_SNS_CERT_DIR: str(trust),
    }


def start_command(settings: Settings, port: int, log_dir: Path, smtp_port: int) -> list[str]:
    overrides = {"KafkaBootstrapServers": settings.kafka_bootstrap, "TopicPrefix": settings.topic_prefix,
                 "SmtpHost": "127.0.0.1", "SmtpPort": str(smtp_port), "SmtpUsername": SMTP_USER,
                 "SmtpTls": "starttls",
                 "SesTopicArns": collector_stack.SNS_TOPIC_ARNS, "SesMinSignatureVersion": "1"}
    return [PLANETMAIL, "start", "-t", str(TEMPLATE), "--port", str(port), "--lambda-port", str(free_port()),
            "--log-dir", str(log_dir), "--dashboard-port", "0",
            "--parameter-overrides", " ".join(f"{k}={v}" for k, v in overrides.items())]


def planetmail_send(url: str, environment: dict[str, str], outputs: Path, name: str) -> str:
    """``planetmail send`` from flags; its stdout and stderr are kept in ``outputs`` for the scan."""
    subject = f"Sent by the CLI ({uuid.uuid4().hex})"  # a message the idempotency table has not seen
    result = subprocess.run([PLANETMAIL, "send", "--url", url, "--subject", subject],
                            env=environment, capture_output=True, text=True, timeout=60, check=False)
    (outputs / f"{name}.stdout").write_text(result.stdout)
    (outputs / f"{name}.stderr").write_text(result.stderr)
    return result.stdout


def send_traffic(url: str, environment: dict[str, str], outputs: Path) -> tuple[list[str], list[int]]:
    """(tracking ids of accepted messages, status codes of the requests with wrong secrets)."""
    right = [*provider_requests(CREDENTIALS).values(), ses_request(ses_document())]
    wrong = [*provider_requests(WRONG).values(),
             with_headers(provider_requests(CREDENTIALS)["sendgrid"], {})]
    accepted = []
    for request in right:
        response = send(url, request)
        assert response.status_code == 202, (request.provider, response.text)
        accepted.append(response.json()["id"])
    accepted.append(planetmail_send(url, environment, outputs, "send-right").split()[1])  # "received <id>"
    refused = [send(url, request).status_code for request in wrong]
    wrong_token = {**environment, env.ENV_API_TOKEN: PRESENTED["presented wrong token"]}
    planetmail_send(url, wrong_token, outputs, "send-wrong")
    return accepted, refused


def wait_until_finished(url: str, accepted: list[str], timeout_s: float = 120.0) -> None:
    bearer = {"Authorization": f"Bearer {SECRETS['api token']}"}
    deadline = time.monotonic() + timeout_s
    pending = set(accepted)
    with httpx.Client(base_url=url, headers=bearer, timeout=30) as client:
        while pending and time.monotonic() < deadline:
            pending = {tid for tid in pending if client.get(f"/v1/emails/{tid}").json().get("status")
                       not in FINISHED}
            time.sleep(0.5)
    assert not pending, f"never acknowledged or suppressed: {sorted(pending)}"


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def records(settings: Settings, accepted: list[str]) -> dict[str, str]:
    """Every record on the run's topics and the raw status rows of the accepted messages."""
    documents = {f"topic {spec.name}": "\n".join(v.decode("utf-8", "replace")
                                                 for v in topic_values(settings, spec.name))
                 for spec in contract_topics()}
    dynamodb = aws.client("dynamodb", settings)
    for tracking_id in accepted:
        rows = dynamodb.query(TableName=settings.status_table, KeyConditionExpression="id = :id",
                              ExpressionAttributeValues={":id": {"S": tracking_id}})["Items"]
        documents[f"status rows of {tracking_id}"] = json.dumps(rows)
    return documents


@pytest.fixture(scope="module")
def run(stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    ClassifierModel(StackConfig.from_settings(stack_settings)).run()
    unique = uuid.uuid4().hex[:10]
    settings = dataclasses.replace(stack_settings, topic_prefix=f"sec{unique}.",
                                   zk_root=f"/planetmail-sec-{unique}")
    work = tmp_path_factory.mktemp("secrets")
    trust, logs, outputs = work / "sns-certs", work / "logs", work / "outputs"
    for folder in (trust, logs, outputs):
        folder.mkdir()
    (trust / SNS_CERT_NAME).write_bytes((FIXTURES / "ses" / "certificate.pem").read_bytes())
    ensure_topics(settings)
    tls, certificate = loopback_tls(work)
    sink = AuthenticatingSink(tls)
    sink.controller.start()
    environment = {**os.environ, **worker_environment(settings, trust), "SSL_CERT_FILE": str(certificate)}
    port = free_port()
    with (outputs / "start.stdout").open("wb") as stdout, (outputs / "start.stderr").open("wb") as stderr:
        process = subprocess.Popen(start_command(settings, port, logs, sink.controller.port),
                                   stdout=stdout, stderr=stderr, env=environment)
    url = f"http://127.0.0.1:{port}"
    try:
        collector_stack.wait_for_port(port, "planetmail start's API gateway", timeout_s=60)
        accepted, refused = send_traffic(url, environment, outputs)
        wait_until_finished(url, accepted)
        stop(process)
        documents = read_files([logs, outputs, settings.state_dir / "logs"]) | records(settings, accepted)
        yield Run(accepted, refused, sink.messages, documents)
    finally:
        if process.poll() is None:
            stop(process)
        sink.controller.stop()
        _delete_zk_root(settings)
        delete_topics(settings)


def test_no_secret_appears_in_logs_outputs_events_or_status_rows(stack_settings: Settings, run: Run) -> None:
    found: list[Leak] = leaks(secret_forms(stack_settings), run.documents)

    assert not found, "\n".join(map(str, found))


def test_the_scan_covered_the_run(run: Run) -> None:
    """The searched text is the run's own: its function logs, outputs, events and status rows."""
    searched = "\n".join(run.documents.values())
    assert all(tracking_id in searched for tracking_id in run.accepted)
    assert run.delivered > 0
    assert run.refused == [401] * len(run.refused) and len(run.refused) == 5
    wheres = set(run.documents)
    for expected in ("CollectorFunction.log", "ProcessorFunction.log", "ResponderFunction.log",
                     "start.stderr", "send-right.stdout", "send-wrong.stderr", "topic mail.events"):
        assert any(where.endswith(expected) for where in wheres), expected
    refusal = next(text for where, text in run.documents.items() if where.endswith("send-wrong.stderr"))
    assert "refused the message (401)" in refusal


def _delete_zk_root(settings: Settings) -> None:
    client = new_client(settings)
    client.start(timeout=10)
    try:
        with contextlib.suppress(NoNodeError):
            client.delete(settings.zk_root, recursive=True)
    finally:
        client.stop()
        client.close()
