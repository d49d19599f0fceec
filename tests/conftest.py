"""Shared fixtures: the real local stack (started once per session) and per-test isolation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from planetmail.settings import Settings
from planetmail_local.stack.topics import ensure_topics


@pytest.fixture(scope="session")
def stack_settings() -> Iterator[Settings]:
    """Settings of the running local stack (ZooKeeper, Kafka, AWS endpoint, SMTP sink).

    TODO(issue 2): start the stack here when it is not running and healthy.
    """
    yield Settings.load(aws_endpoint_url="http://127.0.0.1:4566")


@pytest.fixture
def isolated_settings(stack_settings: Settings) -> Settings:
    """Stack settings with a unique topic prefix; every contract topic exists under it."""
    prefix = f"t{uuid.uuid4().hex[:10]}."
    settings = Settings.load(aws_endpoint_url=stack_settings.aws_endpoint_url, topic_prefix=prefix)
    ensure_topics(settings)
    return settings
