"""``planetmail invoke`` as a user runs it: output, exit codes, one-line errors, the events/ samples."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[3]
TEMPLATE = ROOT / "tests" / "fixtures" / "sam_app" / "template.yaml"
SAMPLES = TEMPLATE.parent / "events"
"""SAM's generic sample events, for the fixture app (events/ holds planetmail's own)."""


def planetmail(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "planetmail"), *args],
        check=False,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    ("sample", "version"), [("apigateway-http-api-proxy.json", "2.0"), ("apigateway-aws-proxy.json", "1.0")]
)
def test_invoke_with_sample_api_gateway_events(sample, version):
    result = planetmail("invoke", "HttpFunction", "-e", str(SAMPLES / sample), "-t", str(TEMPLATE))
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["statusCode"] == 201
    assert json.loads(response["body"]) == json.loads((SAMPLES / sample).read_text())
    assert response["headers"]["x-version"] == version
    assert "REPORT RequestId:" in result.stderr


def test_invoke_from_stdin_with_overrides(tmp_path):
    env_file = tmp_path / "env.json"
    env_file.write_text(json.dumps({"EchoFunction": {"GREETING": "hola"}}))
    result = planetmail(
        "invoke",
        "EchoFunction",
        "-e",
        "-",
        "-t",
        str(TEMPLATE),
        "--env-vars",
        str(env_file),
        "--parameter-overrides",
        "TopicPrefix=x.",
        stdin='{"k": 1}',
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["greeting"] == "hola"


def test_function_error_exits_non_zero_with_the_error_document():
    result = planetmail("invoke", "FailFunction", "-e", str(SAMPLES / "schedule.json"), "-t", str(TEMPLATE))
    assert result.returncode == 1
    assert json.loads(result.stdout)["errorType"] == "ValueError"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["invoke", "EchoFunction", "-e", "-"], "{oops", "stdin is not JSON"),
        (
            ["invoke", "Ghost", "-e", "-"],
            "{}",
            "function 'Ghost' is not in the template; use one of: BatchFunction",
        ),
        (["invoke", "EchoFunction", "-e", "missing.json"], "", "event file missing.json does not exist"),
    ],
)
def test_bad_input_is_one_line(args, stdin, message):
    result = planetmail(*args, "-t", str(TEMPLATE), stdin=stdin)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_handler_path_names_the_function(tmp_path):
    (tmp_path / "src").mkdir()
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src, Handler: app.handler, Runtime: python3.11}\n"
    )
    result = planetmail("invoke", "Fn", "-e", "-", "-t", str(template), stdin="{}")
    assert result.returncode == 2
    assert "function Fn: handler module 'app' not found" in result.stderr


def test_start_on_a_busy_port_is_one_line(emulator):
    busy = emulator.api_url.rsplit(":", 1)[1]
    result = planetmail("start", "-t", str(TEMPLATE), "--port", busy, "--lambda-port", "0")
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{busy}" in result.stderr
    assert result.stderr.count("\n") == 1
