"""The emulator as a stack service (what ``planetmail up`` starts)."""

from __future__ import annotations

from pathlib import Path

from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.emulator_service import emulator_service


def test_emulator_service_runs_planetmail_start_on_the_template(tmp_path):
    config = StackConfig(state_dir=tmp_path, cache_dir=tmp_path / "cache")
    service = emulator_service(config, Path("app/template.yaml"))
    assert (service.name, service.port) == ("emulator", 3000)
    assert service.command()[1:4] == ["start", "-t", "app/template.yaml"]
    assert str(tmp_path / "logs" / "functions") in service.command()
