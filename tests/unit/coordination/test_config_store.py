"""planetmail config's store selection: the stack's target (local.json) or PLANETMAIL_CONFIG_SOURCE."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planetmail.settings import ENV_CONFIG_SOURCE, Settings
from planetmail_local.cli.config_store import store_source
from planetmail_local.cli.errors import UserError


def settings_with_target(tmp_path: Path, target: str | None) -> Settings:
    if target is not None:
        (tmp_path / "local.json").write_text(json.dumps({"target": target}), encoding="utf-8")
    return Settings.load(environ={}, state_dir=tmp_path)


@pytest.mark.parametrize(("target", "source"), [(None, "zookeeper"), ("local", "zookeeper"), ("aws", "ssm")])
def test_the_stack_target_picks_the_store_its_functions_read(tmp_path: Path, target: str | None,
                                                            source: str) -> None:
    assert store_source(settings_with_target(tmp_path, target), environ={}) == source


@pytest.mark.parametrize(("variable", "source"), [("ssm", "ssm"), ("zookeeper", "zookeeper")])
def test_the_variable_overrides_the_target(tmp_path: Path, variable: str, source: str) -> None:
    settings = settings_with_target(tmp_path, "local" if source == "ssm" else "aws")

    assert store_source(settings, environ={ENV_CONFIG_SOURCE: variable}) == source


def test_the_environment_source_cannot_be_edited(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=f"^{ENV_CONFIG_SOURCE}=environment cannot be edited"):
        store_source(settings_with_target(tmp_path, None), environ={ENV_CONFIG_SOURCE: "environment"})


def test_an_unknown_target_is_named(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="unknown target 'gcp'; run 'planetmail up'"):
        store_source(settings_with_target(tmp_path, "gcp"), environ={})
