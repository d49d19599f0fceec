"""Schemathesis against the collector's own OpenAPI schema, in-process: no generated input is a 5xx."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from collector_payloads import API_TOKEN, CREDENTIALS
from fuzzing import examples
from hypothesis import HealthCheck, given, settings

from collector.app import create_app
from collector.runtime import Runtime

pytestmark = [pytest.mark.integration, pytest.mark.slow]

schemathesis.serializer.alias("message/rfc822", "application/octet-stream")
APP = create_app(Runtime())  # the runtime is replaced by the test's own before any call
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
OPERATIONS: list[Any] = [result.ok() for result in SCHEMA.get_all_operations()]  # type: ignore[union-attr]


def _authorization(path: str) -> str:
    provider = path.rsplit("/", 1)[-1]
    if provider in ("sendgrid", "postmark"):
        return "Basic " + base64.b64encode(CREDENTIALS[provider].encode()).decode()
    return f"Bearer {API_TOKEN}"


@pytest.fixture
def app_runtime(runtime: Runtime) -> Iterator[Runtime]:
    APP.state.runtime = runtime
    yield runtime
    APP.state.runtime = Runtime()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_no_input_is_a_server_error(operation: Any, app_runtime: Runtime) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=examples(30), deadline=None, suppress_health_check=list(HealthCheck),
              database=None)
    def check(case: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": _authorization(case.path)}
        response = case.call()
        assert response.status_code < 500, (
            f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"
        )

    check()
