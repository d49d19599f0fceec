"""A throwaway stack instance on free ports in a temporary state folder (the shared one stays untouched)."""

from __future__ import annotations

import os
from pathlib import Path

from planetmail.settings import Settings
from planetmail_local.stack.config import StackConfig


def throwaway_config(state_dir: Path) -> StackConfig:
    """Free ports, a temporary state folder, the shared jar cache."""
    return StackConfig.on_free_ports(state_dir, Settings.load().cache_dir)


def environment(config: StackConfig) -> dict[str, str]:
    """What a ``planetmail`` command needs to address this instance."""
    return {**os.environ, **config.environment()}
