"""A throwaway stack instance on free ports in a temporary state folder (the shared one stays untouched)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from planetmail.settings import (
    ENV_AWS_ENDPOINT_URL,
    ENV_KAFKA_BOOTSTRAP,
    ENV_SMTP_PORT,
    ENV_SMTP_VIEWER_PORT,
    ENV_STATE_DIR,
    ENV_ZOOKEEPER,
    Settings,
)
from planetmail_local.stack import control
from planetmail_local.stack.config import StackConfig


def throwaway_config(state_dir: Path) -> StackConfig:
    """Free ports, a temporary state folder, the shared jar cache."""
    return StackConfig.on_free_ports(state_dir, Settings.load().cache_dir)


def environment(config: StackConfig) -> dict[str, str]:
    """What a ``planetmail`` command needs to address this instance."""
    return {
        **os.environ,
        ENV_STATE_DIR: str(config.state_dir),
        ENV_ZOOKEEPER: config.zookeeper,
        ENV_KAFKA_BOOTSTRAP: config.kafka_bootstrap,
        ENV_AWS_ENDPOINT_URL: config.aws_endpoint_url,
        ENV_SMTP_PORT: str(config.smtp_port),
        ENV_SMTP_VIEWER_PORT: str(config.smtp_viewer_port),
    }


@pytest.fixture(scope="package")
def throwaway_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    config = throwaway_config(tmp_path_factory.mktemp("stack") / ".planetmail")
    try:
        control.up(config)
        yield config
    finally:
        control.down(config, purge=True)
