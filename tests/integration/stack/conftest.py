"""A throwaway stack instance on free ports in a temporary state folder (the shared one stays untouched)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from planetmail.settings import Settings
from planetmail_local.stack import control
from planetmail_local.stack.config import StackConfig


def throwaway_config(state_dir: Path) -> StackConfig:
    """Free ports, a temporary state folder, the shared jar cache."""
    return StackConfig.on_free_ports(state_dir, Settings.load().cache_dir)


def environment(config: StackConfig) -> dict[str, str]:
    """What a ``planetmail`` command needs to address this instance."""
    return {**os.environ, **config.environment()}


@pytest.fixture(scope="package")
def throwaway_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    config = throwaway_config(tmp_path_factory.mktemp("stack") / ".planetmail")
    try:
        control.up(config)
        yield config
    finally:
        control.down(config, purge=True)
