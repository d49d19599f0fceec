"""The inbox against the real stack: a staff table, status table and topics per test module."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import inbox_stack
import pytest
from fastapi.testclient import TestClient

from inbox.app import create_app
from inbox.runtime import Runtime
from inbox.settings import InboxSettings
from planetmail.settings import Settings
from planetmail_local.stack.topics import delete_topics, ensure_topics


@pytest.fixture(scope="module")
def inbox_topics(stack_settings: Settings) -> Iterator[Settings]:
    """Every contract topic under a prefix of this module's own."""
    pipeline = dataclasses.replace(stack_settings, topic_prefix=f"i{uuid.uuid4().hex[:10]}.")
    ensure_topics(pipeline)
    yield pipeline
    delete_topics(pipeline)


@pytest.fixture
def inbox_settings(inbox_topics: Settings) -> Iterator[InboxSettings]:
    """Tables of the test's own (counts start at zero); topics shared within the module."""
    settings = inbox_stack.provision(inbox_topics)
    yield settings
    inbox_stack.remove(settings)


@pytest.fixture
def runtime(inbox_settings: InboxSettings) -> Iterator[Runtime]:
    runtime = Runtime(inbox_settings)
    yield runtime
    runtime.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as test_client:
        test_client.headers["Authorization"] = f"Bearer {inbox_stack.STAFF_TOKEN}"
        yield test_client
