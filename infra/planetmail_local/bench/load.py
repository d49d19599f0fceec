"""Open-loop load: requests are scheduled at a fixed rate, whatever the server's speed.

A closed loop (send when the previous answer came back) would hide queueing delay; scheduling each
request at ``start + i / rate`` shows it, as real bursty mail does.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Iterator

import httpx

from planetmail_local.bench.traffic import InboundRequest


@dataclasses.dataclass
class Submission:
    provider: str
    kind: str
    scheduled_at: float
    accepted_at: float | None = None
    """Wall-clock time the collector's 202 arrived (comparable with the SMTP sink's clock)."""

    @property
    def expects_ack(self) -> bool:
        return self.kind == "genuine"
    status: int | None = None
    tracking_id: str | None = None
    error: str | None = None
    held_out: bool = False
    """The request's ``held_out``: built from the corpus's held-out fifth."""


async def run_load(
    base_url: str,
    requests: Iterator[InboundRequest],
    rate: float,
    duration: float,
    concurrency: int,
    on_done: Callable[[Submission], None] = lambda _: None,
) -> list[Submission]:
    total = max(1, int(rate * duration))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30.0) as client:
        start = time.monotonic()
        tasks = []
        for index in range(total):
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            submission = Submission("", "genuine", scheduled_at=time.time())
            tasks.append(asyncio.create_task(_submit(client, gate, next(requests), submission, on_done)))
        return list(await asyncio.gather(*tasks))


async def _submit(
    client: httpx.AsyncClient,
    gate: asyncio.Semaphore,
    request: InboundRequest,
    submission: Submission,
    on_done: Callable[[Submission], None],
) -> Submission:
    submission.provider, submission.kind = request.provider, request.kind
    submission.held_out = request.held_out
    async with gate:
        try:
            response = await client.post(request.path, headers=request.headers, content=request.content,
                                          json=request.json_body, data=request.form)
        except httpx.HTTPError as exc:
            submission.error = f"{type(exc).__name__}: {exc}"
        else:
            submission.status = response.status_code
            if response.status_code == 202:
                submission.accepted_at = time.time()
                submission.tracking_id = response.json().get("id")
            else:
                submission.error = response.text[:200]
    on_done(submission)
    return submission
