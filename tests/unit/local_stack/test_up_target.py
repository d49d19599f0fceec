"""``planetmail up --target``: which target the stack starts; no silent switch under a running emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from planetmail_local.cli import stack as stack_cli
from planetmail_local.stack.config import StackConfig


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[StackConfig]:
    """control.up replaced by a recorder; the state folder is tmp_path."""
    configs: list[StackConfig] = []

    def up(config: StackConfig, progress: Any, *, pipeline: bool) -> dict[str, Any]:
        configs.append(config)
        shown = ("target", "kafka_bootstrap", "kafka_security_protocol", "zookeeper", "aws_endpoint_url",
                 "smtp_viewer_url", "api_url")
        return dict.fromkeys(shown, "-")

    monkeypatch.setattr(stack_cli.control, "up", up)
    monkeypatch.setattr(stack_cli, "_config", lambda: StackConfig(state_dir=tmp_path, cache_dir=tmp_path))
    return configs


def test_the_target_defaults_to_local_and_aws_is_asked_for(started: list[StackConfig]) -> None:
    assert CliRunner().invoke(stack_cli.up, []).exit_code == 0
    assert CliRunner().invoke(stack_cli.up, ["--target", "aws"]).exit_code == 0

    assert [config.target for config in started] == ["local", "aws"]


def test_switching_targets_under_a_running_emulator_is_refused(started: list[StackConfig],
                                                               tmp_path: Path) -> None:
    (tmp_path / "local.json").write_text(json.dumps({"target": "local"}))
    config = StackConfig(state_dir=tmp_path, cache_dir=tmp_path)
    config.pid_file("emulator").parent.mkdir(parents=True, exist_ok=True)
    config.pid_file("emulator").write_text("12345")

    result = CliRunner().invoke(stack_cli.up, ["--target", "aws"])

    assert result.exit_code == 2 and started == []
    assert "the emulator runs the local target; stop it with 'planetmail down'" in result.output
