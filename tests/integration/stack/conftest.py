"""A throwaway stack instance, started once per module that asks for it and purged afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from stack_instance import throwaway_config

from planetmail_local.stack import control
from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.lifecycle import ensure_running, stop_service
from planetmail_local.stack.services import SmtpSink


@pytest.fixture(scope="module")
def throwaway_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    with control.running(throwaway_config(tmp_path_factory.mktemp("stack") / ".planetmail")) as config:
        yield config


@pytest.fixture(scope="module")
def throwaway_sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    """Only the SMTP sink of a throwaway instance (no JVM needed)."""
    config = throwaway_config(tmp_path_factory.mktemp("sink") / ".planetmail")
    sink = SmtpSink(config)
    try:
        ensure_running(sink)
        yield config
    finally:
        stop_service(sink)
