"""``planetmail send`` against the collector served by uvicorn on a loopback port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from click.testing import CliRunner
from collector_payloads import API_TOKEN, CREDENTIALS, FIXTURES

from collector.app import create_app
from collector.runtime import Runtime
from planetmail_local.cli.main import cli
from planetmail_local.stack.config import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def collector_url(runtime: Runtime) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    import json

    return {
        "PLANETMAIL_API_TOKEN": API_TOKEN,
        "PLANETMAIL_WEBHOOK_CREDENTIALS": json.dumps(CREDENTIALS),
        "PLANETMAIL_STATE_DIR": str(tmp_path),
    }


def test_send_from_flags_file_and_webhook_payload(
    collector_url: str, cli_env: dict[str, str], received, tmp_path: Path
) -> None:
    eml = tmp_path / "letter.eml"
    eml.write_bytes(b"From: clark@example.org\nTo: letters@dailyplanet.example\nSubject: From a file\n\nHi\n")
    runner = CliRunner()

    outputs = [
        runner.invoke(cli, ["send", "--url", collector_url, "--subject", "From flags"], env=cli_env),
        runner.invoke(cli, ["send", "--url", collector_url, str(eml)], env=cli_env),
        runner.invoke(
            cli,
            [
                "send",
                "--url",
                collector_url,
                "--webhook",
                "sendgrid",
                str(FIXTURES / "sendgrid" / "default_data.txt"),
            ],
            env=cli_env,
        ),
    ]

    assert [result.exit_code for result in outputs] == [0, 0, 0], [result.output for result in outputs]
    ids = {result.output.split()[1] for result in outputs}
    emails = received(3)
    assert {email.id for email in emails} == ids
    assert {email.subject for email in emails} == {"From flags", "From a file", "Testing non-raw"}


def test_send_errors_are_one_line(collector_url: str, cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    refused = runner.invoke(
        cli, ["send", "--url", collector_url], env={**cli_env, "PLANETMAIL_API_TOKEN": "bad"}
    )
    unreachable = runner.invoke(cli, ["send", "--url", "http://127.0.0.1:9"], env=cli_env)

    assert refused.exit_code == 2 and "refused the message (401)" in refused.output
    assert unreachable.exit_code == 2 and "cannot reach the collector" in unreachable.output
    assert all(len(r.output.strip().splitlines()) == 1 for r in (refused, unreachable))
