"""Schemathesis against the inbox's own OpenAPI schema, in-process, with staff credentials: whatever the
generated input, the answer is never a server error (problem+json with a cause instead)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fuzzing import examples
from hypothesis import HealthCheck, given, settings
from inbox_stack import STAFF_TOKEN

from inbox.app import create_app
from inbox.runtime import Runtime

pytestmark = [pytest.mark.integration, pytest.mark.slow]

INBOX = create_app(Runtime())  # its runtime is the test's own before any request
OPERATIONS: list[Any] = [
    result.ok()  # type: ignore[union-attr]
    for result in schemathesis.openapi.from_asgi("/inbox/api/openapi.json", INBOX).get_all_operations()]


@pytest.fixture
def staffed(runtime: Runtime) -> Iterator[None]:
    INBOX.state.runtime = runtime
    yield
    INBOX.state.runtime = Runtime()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_generated_requests_never_fail_the_server(operation: Any, staffed: None) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=examples(25), deadline=None, suppress_health_check=list(HealthCheck),
              database=None)
    def answer(case: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {STAFF_TOKEN}"}
        response = case.call()
        assert response.status_code < 500, f"{case.method} {case.path}: {response.text[:300]}"

    answer()
