"""``planetmail config`` on a stack running ``--target aws``: it reads and writes the SSM parameter the
functions read (``planetmail.config.ssm``), on a throwaway moto server on a free port (no stack)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from moto.server import ThreadedMotoServer

from planetmail import aws
from planetmail.config import ConfigConflictError, ParameterStoreConfigSource, config_source
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import ENV_CONFIG_SOURCE, ENV_STATE_DIR, Settings
from planetmail_local.cli import config as cli_config
from planetmail_local.cli.config import config
from planetmail_local.cli.config_store import ParameterStore, opened
from planetmail_local.stack.config import free_port

CLOSED_PORT = "127.0.0.1:1"


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def state_dir(tmp_path: Path, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A state folder whose local.json says what ``planetmail up --target aws`` would."""
    (tmp_path / "local.json").write_text(json.dumps({
        "target": "aws", "aws_endpoint_url": moto_endpoint, "kafka_bootstrap": CLOSED_PORT,
        "zookeeper": CLOSED_PORT}), encoding="utf-8")
    monkeypatch.setenv(ENV_STATE_DIR, str(tmp_path))
    monkeypatch.delenv(ENV_CONFIG_SOURCE, raising=False)
    return tmp_path


@pytest.fixture
def settings(state_dir: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    """The stack's settings with a parameter of this test's own, deleted afterwards."""
    loaded = Settings.load(config_parameter=f"/planetmail-test/{request.node.name}/config")
    yield loaded
    aws.client("ssm", loaded).delete_parameters(Names=[loaded.config_parameter])


def run(settings: Settings, *args: str) -> Result:
    environment = {"PLANETMAIL_CONFIG_PARAMETER": settings.config_parameter}
    return CliRunner().invoke(config, list(args), env=environment, catch_exceptions=False)


def functions_see(settings: Settings) -> tuple[PipelineConfig, int | None]:
    source = config_source(Settings.load(config_parameter=settings.config_parameter,
                                         config_source="ssm", config_refresh_seconds=0))
    assert isinstance(source, ParameterStoreConfigSource)
    return source.current(), source.version


def test_get_shows_the_defaults_before_anything_is_written(settings: Settings) -> None:
    result = run(settings, "get", "sla_seconds")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == PipelineConfig().sla_seconds
    assert "version none (defaults)" in result.stderr


def test_what_the_cli_writes_is_what_the_functions_read(settings: Settings) -> None:
    with opened(settings) as store:
        assert isinstance(store, ParameterStore)
        assert store.write(PipelineConfig(sla_seconds=90), None) == 1
        assert store.write(PipelineConfig(sla_seconds=120, confidence_threshold=0.8), 1) == 2

    config, version = functions_see(settings)
    assert (config.sla_seconds, config.confidence_threshold, version) == (120, 0.8, 2)
    assert json.loads(run(settings, "get", "sla_seconds").stdout) == 120


def test_set_validates_writes_the_parameter_and_names_the_unreachable_kafka(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_config, "ANNOUNCE_TIMEOUT", 0.5)  # Kafka is not here: do not wait 10 s
    invalid = run(settings, "set", "sla_seconds=soon")
    assert (invalid.exit_code, functions_see(settings)[1]) == (2, None)
    assert invalid.stderr.count("\n") == 1 and "nothing was saved" in invalid.stderr

    result = run(settings, "set", "sla_seconds=75")

    # the change lands in SSM first; announcing it on mail.events needs Kafka, which is not here
    assert result.exit_code == 2
    assert result.stderr.startswith("planetmail: error: configuration version 1 is saved but not announced")
    assert functions_see(settings)[0].sla_seconds == 75


def test_a_stale_write_is_a_conflict_and_changes_nothing(settings: Settings) -> None:
    with opened(settings) as store:
        store.write(PipelineConfig(sla_seconds=90), None)
        with pytest.raises(ConfigConflictError):
            store.write(PipelineConfig(sla_seconds=30), None)
        store.write(PipelineConfig(sla_seconds=100), 1)
        with pytest.raises(ConfigConflictError):
            store.write(PipelineConfig(sla_seconds=30), 1)

    assert functions_see(settings)[0].sla_seconds == 100
    stale = run(settings, "set", "--expect-version", "1", "sla_seconds=30")
    assert stale.exit_code == 2 and "changed since version 1" in stale.stderr


def test_an_unreachable_endpoint_is_one_line_naming_it(state_dir: Path) -> None:
    local = json.loads((state_dir / "local.json").read_text(encoding="utf-8"))
    local["aws_endpoint_url"] = f"http://{CLOSED_PORT}"
    (state_dir / "local.json").write_text(json.dumps(local), encoding="utf-8")

    result = CliRunner().invoke(config, ["get"], catch_exceptions=False)

    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"planetmail: error: the AWS endpoint http://{CLOSED_PORT} is not reachable")
    assert result.stderr.count("\n") == 1
