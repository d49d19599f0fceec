"""Benchmark: accepted webhooks per second with p50/p99 latency, the collector next to a bare FastAPI
endpoint, both served the same way (uvicorn, one worker, own process) on this machine in one run.

    .venv/bin/python tests/integration/collector/collector_benchmark.py [--requests 1500] [--concurrency 16]

Needs the local stack (Kafka, moto). Each request is a Postmark inbound payload with a fresh MessageID;
the collector answers 202 only after Kafka acknowledged (acks=all), the S3 claim check and the
DynamoDB dedupe write; the bare endpoint reads the body and answers 202.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import collector_stack
import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from planetmail.inbound import new_tracking_id
from planetmail.settings import Settings

HERE = Path(__file__).resolve().parent
PAYLOAD = json.loads(
    Path("/work/shared/fixtures/webhooks/postmark/postmark-inbound-test-payload.json").read_text()
)

bare_app = FastAPI()


@bare_app.get("/healthz")
async def bare_health() -> dict[str, str]:
    return {"status": "ok"}


@bare_app.post("/webhooks/postmark")
async def bare_webhook(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"id": new_tracking_id(), "status": "received"}, status_code=202)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(target: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--app-dir",
        str(HERE),
    ]
    process = subprocess.Popen(command, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"{target} did not start")


async def load(url: str, requests: int, concurrency: int) -> tuple[int, float, list[float]]:
    """(accepted, wall seconds, latencies in ms) for ``requests`` POSTs, ``concurrency`` at a time."""
    auth = httpx.BasicAuth(*collector_stack.CREDENTIALS["postmark"].split(":", 1))
    latencies: list[float] = []
    accepted = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(requests):
        queue.put_nowait(n)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal accepted
        while not queue.empty():
            queue.get_nowait()
            body = json.dumps({**PAYLOAD, "MessageID": str(uuid.uuid4())})
            started = time.perf_counter()
            response = await client.post(
                f"{url}/webhooks/postmark",
                content=body,
                auth=auth,
                headers={"Content-Type": "application/json"},
            )
            latencies.append((time.perf_counter() - started) * 1000)
            accepted += response.status_code == 202

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return accepted, time.perf_counter() - started, latencies


@dataclasses.dataclass(frozen=True)
class Figures:
    name: str
    accepted: int
    per_second: float
    p50_ms: float
    p99_ms: float

    def row(self) -> str:
        rates = f"{self.per_second:>10.1f}{self.p50_ms:>10.1f}{self.p99_ms:>10.1f}"
        return f"{self.name:<14}{self.accepted:>10}{rates}"


def measure(name: str, url: str, requests: int, concurrency: int) -> Figures:
    asyncio.run(load(url, min(100, requests), concurrency))  # warm-up: connections, producer, clients
    accepted, seconds, latencies = asyncio.run(load(url, requests, concurrency))
    quantiles = statistics.quantiles(latencies, n=100)
    return Figures(name, accepted, accepted / seconds, quantiles[49], quantiles[98])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    settings = collector_stack.provision(Settings.load(aws_endpoint_url="http://127.0.0.1:4566"))
    servers: list[subprocess.Popen[bytes]] = []
    try:
        bare, bare_url = serve("collector_benchmark:bare_app", {})
        servers.append(bare)
        collector, collector_url = serve("collector.app:app", collector_stack.environment(settings))
        servers.append(collector)
        rows = [
            measure("bare FastAPI", bare_url, args.requests, args.concurrency),
            measure("collector", collector_url, args.requests, args.concurrency),
        ]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        collector_stack.remove(settings)
    print(f"uvicorn, 1 worker each: {args.requests} Postmark webhooks, concurrency {args.concurrency}")
    print(f"{'endpoint':<14}{'accepted':>10}{'per s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for figures in rows:
        print(figures.row())
    print(f"collector / bare throughput ratio: {rows[1].per_second / rows[0].per_second:.3f}")


if __name__ == "__main__":
    main()
