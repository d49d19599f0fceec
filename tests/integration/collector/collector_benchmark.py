"""Benchmark: accepted webhooks per second with p50/p99 latency, the collector next to a bare FastAPI
endpoint served the same way on this machine in the same run.

    .venv/bin/python tests/integration/collector/collector_benchmark.py [--via both|gateway|uvicorn]
                                                                        [--requests 1000] [--concurrency 16]

``both`` (default) measures all four rows in one run and prints the ratios the issue's targets are
stated in (collector / bare through the same server; gateway / uvicorn for the same app).
``gateway``: both behind the project's API-gateway emulator, each a SAM function in its
worker processes (template.yaml's CollectorFunction; a one-function template for the bare endpoint,
wrapped by Mangum the same way). ``uvicorn``: both as ASGI apps in a uvicorn process of their own.
Needs the local stack (Kafka, moto). Every request is a Postmark inbound payload with a fresh MessageID;
the collector answers 202 only after Kafka acknowledged (acks=all), the S3 claim check and the DynamoDB
dedupe write; the bare endpoint reads the body and answers 202.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import collector_stack
import httpx
import psutil
from collector_gateway import TEMPLATE, gateway, template_parameters
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from mangum import Mangum

from planetmail.inbound import new_tracking_id
from planetmail.settings import Settings
from planetmail_local.stack.config import free_port
from planetmail_local.stack.process import process_tree

HERE = Path(__file__).resolve().parent
PAYLOAD = json.loads(
    (Path(__file__).parents[2] / "fixtures/providers/postmark/postmark-inbound-test-payload.json").read_text()
)
BARE_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  BareApi:
    Type: AWS::Serverless::HttpApi
  BareFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {code}
      Handler: collector_benchmark.handler
      Runtime: python3.11
      MemorySize: 512
      Timeout: 30
      Events:
        Webhook:
          Type: HttpApi
          Properties: {{ApiId: !Ref BareApi, Path: /webhooks/postmark, Method: POST}}
        Health:
          Type: HttpApi
          Properties: {{ApiId: !Ref BareApi, Path: /healthz, Method: GET}}
"""

bare_app = FastAPI()
handler = Mangum(bare_app, lifespan="off")


@bare_app.get("/healthz")
async def bare_health() -> dict[str, str]:
    return {"status": "ok"}


@bare_app.post("/webhooks/postmark")
async def bare_webhook(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"id": new_tracking_id(), "status": "received"}, status_code=202)


@dataclasses.dataclass(frozen=True)
class Endpoint:
    url: str
    pid: int
    """The server's process; its CPU time (and its children's: the gateway's workers) is the row's cost."""


@contextmanager
def uvicorn_server(target: str, env: dict[str, str]) -> Iterator[Endpoint]:
    port = free_port()
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
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url)
        yield Endpoint(url, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy")


Server = Callable[..., AbstractContextManager[str]]


def _serve(server: Server, args: tuple[Any, ...], parent: Connection) -> None:
    with server(*args) as url:
        parent.send(url)
        parent.recv()  # until the benchmark is done with it


@contextmanager
def own_process(server: Server, *args: Any) -> Iterator[Endpoint]:
    """``server`` run in a process of its own, as ``planetmail start`` runs the gateway and as uvicorn's rows
    run: in the benchmark's own process the gateway's threads shared one interpreter lock with the load
    generator, which took more of it than they did, and the gateway rows measured the client as well."""
    context = multiprocessing.get_context("spawn")
    here, there = context.Pipe()
    process = context.Process(target=_serve, args=(server, args, there), daemon=True)
    process.start()
    try:
        if not here.poll(120):
            raise RuntimeError(f"{server.__name__} did not start within 120 s")
        assert process.pid is not None
        yield Endpoint(here.recv(), process.pid)
    finally:
        with suppress(OSError):
            here.send("stop")
        process.join(30)
        if process.is_alive():
            process.terminate()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its descendants so far."""
    total = 0.0
    for process in process_tree(psutil.Process(pid)):
        with suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


@contextmanager
def bare_gateway(log_dir: Path) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as directory:
        template = Path(directory) / "template.yaml"
        template.write_text(BARE_TEMPLATE.format(code=HERE))
        with gateway(template, log_dir, {}, {}) as url:
            yield url


@contextmanager
def collector_gateway(settings: Settings, log_dir: Path) -> Iterator[str]:
    with gateway(
        TEMPLATE, log_dir, template_parameters(settings), collector_stack.environment(settings)
    ) as url:
        _wait_healthy(url)
        yield url


async def load(url: str, requests: int, concurrency: int) -> tuple[int, int, float, list[float]]:
    """(accepted, connection errors, wall seconds, latencies in ms) for ``requests`` POSTs,
    ``concurrency`` at a time; a dropped connection counts as not accepted, not as a crash."""
    auth = httpx.BasicAuth(*collector_stack.CREDENTIALS["postmark"].split(":", 1))
    latencies: list[float] = []
    accepted = errors = 0
    remaining = iter(range(requests))

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal accepted, errors
        for _ in remaining:
            body = json.dumps({**PAYLOAD, "MessageID": str(uuid.uuid4())})
            started = time.perf_counter()
            try:
                response = await client.post(
                    f"{url}/webhooks/postmark",
                    content=body,
                    auth=auth,
                    headers={"Content-Type": "application/json"},
                )
            except httpx.TransportError:
                errors += 1
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            accepted += response.status_code == 202

    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return accepted, errors, time.perf_counter() - started, latencies


@dataclasses.dataclass(frozen=True)
class Figures:
    name: str
    accepted: int
    errors: int
    per_second: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    """The server's CPU per accepted request (its process and children), whatever else ran."""

    def row(self) -> str:
        rates = f"{self.per_second:>10.1f}{self.p50_ms:>10.1f}{self.p99_ms:>10.1f}{self.cpu_ms:>10.2f}"
        return f"{self.name:<14}{self.accepted:>10}{self.errors:>8}{rates}"


def measure(name: str, server: AbstractContextManager[Endpoint], requests: int, concurrency: int) -> Figures:
    with server as endpoint:
        asyncio.run(load(endpoint.url, min(100, requests), concurrency))  # warm-up: workers, connections
        cpu_before = cpu_seconds(endpoint.pid)
        accepted, errors, seconds, latencies = asyncio.run(load(endpoint.url, requests, concurrency))
        cpu_ms = (cpu_seconds(endpoint.pid) - cpu_before) * 1000 / max(accepted, 1)
    quantiles = statistics.quantiles(latencies, n=100)
    return Figures(name, accepted, errors, accepted / seconds, quantiles[49], quantiles[98], cpu_ms)


def servers(via: str, settings: Settings, log_dir: Path) -> dict[str, AbstractContextManager[Endpoint]]:
    """The endpoints to measure, by row name, each started only when its turn comes."""
    chosen: dict[str, AbstractContextManager[Endpoint]] = {}
    if via in ("uvicorn", "both"):
        chosen["bare uvicorn"] = uvicorn_server("collector_benchmark:bare_app", {})
        chosen["coll uvicorn"] = uvicorn_server("collector.app:app", collector_stack.environment(settings))
    if via in ("gateway", "both"):
        chosen["bare gateway"] = own_process(bare_gateway, log_dir)
        chosen["coll gateway"] = own_process(collector_gateway, settings, log_dir)
    return chosen


def ratios(rows: dict[str, Figures]) -> list[str]:
    """Throughput ratios between rows measured in this run (the machine's load cancels out)."""
    pairs = (("collector / bare, uvicorn", "coll uvicorn", "bare uvicorn"),
             ("collector / bare, gateway", "coll gateway", "bare gateway"),
             ("gateway / uvicorn, bare", "bare gateway", "bare uvicorn"),
             ("gateway / uvicorn, collector", "coll gateway", "coll uvicorn"))
    return [f"{label:<30}{rows[top].per_second / rows[bottom].per_second:>8.3f}"
            f"{rows[top].cpu_ms / rows[bottom].cpu_ms:>10.2f}"
            for label, top, bottom in pairs if top in rows and bottom in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--via", choices=("gateway", "uvicorn", "both"), default="both")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    settings = collector_stack.provision(Settings.load(aws_endpoint_url="http://127.0.0.1:4566"))
    log_dir = Path(tempfile.mkdtemp(prefix="collector-bench-"))
    rows: dict[str, Figures] = {}
    try:
        for name, server in servers(args.via, settings, log_dir).items():
            rows[name] = measure(name, server, args.requests, args.concurrency)
            print(f"measured {name}: {rows[name].per_second:.1f}/s", file=sys.stderr, flush=True)
    finally:
        collector_stack.remove(settings)
    print(f"{args.requests} Postmark webhooks, concurrency {args.concurrency}; gateway = the API-gateway "
          "emulator in a process of its own (with its worker processes), uvicorn = 1 process each; "
          "CPU ms = the server's CPU (process and children) per accepted request")
    print(f"{'endpoint':<14}{'accepted':>10}{'errors':>8}{'per s':>10}{'p50 ms':>10}{'p99 ms':>10}"
          f"{'CPU ms':>10}")
    for figures in rows.values():
        print(figures.row())
    print(f"{'ratio':<30}{'per s':>8}{'CPU ms':>10}")
    print("\n".join(ratios(rows)))


if __name__ == "__main__":
    main()
