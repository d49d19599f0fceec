"""How many worker processes each function gets during a run: the emulator's Lambda API.

``planetmail bench --workers N`` reserves N for every function (PutFunctionConcurrency), as an operator
would on AWS, and puts back what each had before once the run is over (its own reservation, or none).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx

from planetmail_local.bench.errors import BenchError
from planetmail_local.emulator.lambda_api import STATUS_PATH

TIMEOUT_SECONDS = 10.0


class LambdaApi:
    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def workers(self) -> dict[str, int]:
        """Worker processes per function at most, as the emulator runs them now."""
        workers: dict[str, int] = self._call("GET", STATUS_PATH).get("workers", {})
        return workers

    def reserved(self, function: str) -> int | None:
        reserved: int | None = self._call("GET", _path("2019-09-30", function)).get(
            "ReservedConcurrentExecutions")
        return reserved

    def reserve(self, function: str, workers: int) -> None:
        self._call("PUT", _path("2017-10-31", function), {"ReservedConcurrentExecutions": workers})

    def release(self, function: str) -> None:
        self._call("DELETE", _path("2017-10-31", function))

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        where = f"{self._client.base_url}{path}"
        try:
            response = self._client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise BenchError(f"the emulator's Lambda API at {where} did not answer ({exc}); start the stack "
                            "with 'planetmail up', or pass the right --lambda-url") from None
        if response.is_error:
            raise BenchError(f"{method} {where} answered {response.status_code}: {response.text[:200]}")
        document: dict[str, Any] = response.json() if response.content else {}
        return document


@contextlib.contextmanager
def lambda_api(lambda_url: str) -> Iterator[LambdaApi]:
    with httpx.Client(base_url=lambda_url.rstrip("/"), timeout=TIMEOUT_SECONDS) as client:
        yield LambdaApi(client)


@contextlib.contextmanager
def reserved_workers(api: LambdaApi, workers: int | None) -> Iterator[None]:
    """Every function limited to ``workers`` for the block (None: leave them as they are)."""
    if workers is None:
        yield
        return
    before = {function: api.reserved(function) for function in api.workers()}
    try:
        for function in before:
            api.reserve(function, workers)
        yield
    finally:
        for function, reserved in before.items():
            if reserved is None:
                api.release(function)
            else:
                api.reserve(function, reserved)


def _path(version: str, function: str) -> str:
    return f"/{version}/functions/{function}/concurrency"
