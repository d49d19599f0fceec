"""The emulator as a stack service (what ``planetmail up`` starts)."""

from __future__ import annotations

from pathlib import Path

from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.emulator_service import NO_ZOOKEEPER, emulator_service


def test_emulator_service_runs_planetmail_start_on_the_template(tmp_path):
    config = StackConfig(state_dir=tmp_path, cache_dir=tmp_path / "cache")
    service = emulator_service(config, Path("app/template.yaml"))
    assert (service.name, service.port) == ("emulator", 3000)
    assert service.command()[1:4] == ["start", "-t", "app/template.yaml"]
    assert str(tmp_path / "logs" / "functions") in service.command()


def test_the_aws_target_runs_the_aws_backends_with_zookeeper_out_of_reach(tmp_path):
    local = emulator_service(StackConfig(state_dir=tmp_path, cache_dir=tmp_path / "cache"))
    aws = emulator_service(StackConfig(state_dir=tmp_path, cache_dir=tmp_path / "cache", target="aws"))

    assert "Coordination=zookeeper" in local.command() and "Coordination=aws" in aws.command()
    assert aws.environment()["PLANETMAIL_ZOOKEEPER"] == NO_ZOOKEEPER
    assert local.environment().get("PLANETMAIL_ZOOKEEPER") != NO_ZOOKEEPER
