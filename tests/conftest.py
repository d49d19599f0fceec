"""Shared fixtures: the real local stack (started once per session) and per-test isolation."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest

from planetmail.settings import Settings
from planetmail_local.stack import control
from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.errors import StackError
from planetmail_local.stack.topics import delete_topics, ensure_topics


@pytest.fixture(scope="session")
def stack_settings() -> Iterator[Settings]:
    """Settings of the local stack (ZooKeeper, Kafka, AWS endpoint, SMTP sink).

    ``planetmail up`` is idempotent: it reuses healthy services (even ones started by hand) and starts
    the missing ones, so the first session on a clean machine starts the stack and later ones reuse it.
    The stack is left running afterwards; ``planetmail down`` stops it.
    """
    config = StackConfig.from_settings(Settings.load())
    try:
        control.up(config)
    except StackError as exc:
        pytest.exit(f"the local stack could not start: {exc}", returncode=3)
    yield Settings.load(aws_endpoint_url=config.aws_endpoint_url)


@pytest.fixture
def isolated_settings(stack_settings: Settings) -> Iterator[Settings]:
    """Stack settings with a unique topic prefix; every contract topic exists under it.

    The topics are deleted afterwards: a session of hundreds of tests would otherwise leave
    thousands of partitions on the one local broker.
    """
    settings = dataclasses.replace(stack_settings, topic_prefix=f"t{uuid.uuid4().hex[:10]}.")
    ensure_topics(settings)
    yield settings
    delete_topics(settings)
