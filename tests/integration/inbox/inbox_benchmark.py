"""How long the inbox takes to list the newest 50 messages of a queue holding 100,000 (target < 300 ms).

    .venv/bin/python tests/integration/inbox/inbox_benchmark.py [--messages 100000] [--requests 50]
        [--via app|gateway]

On the running local stack (AWS endpoint): two staff tables of its own are loaded with messages in
the layout the indexer writes (``inbox.store.listed_item``, BatchWriteItem, progress shown), one with
``--messages`` in one queue and a baseline with ``--baseline`` (1,000). Then, per table, the same
requests through the inbox's API: newest 50, oldest 50, the page after a cursor, and the queue counts.
``--via app`` calls the FastAPI app in-process (JSON and all); ``--via gateway`` runs template.yaml's
InboxFunction in the FaaS emulator and goes through its API gateway over HTTP, as a browser does.
Printed: p50 / p95 / max in ms, and the ratio of the big table to the baseline (about 1 when nothing
scans). The tables are deleted afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import inbox_stack
import pytest
from fastapi.testclient import TestClient

from inbox.app import create_app
from inbox.runtime import Runtime
from inbox.settings import InboxSettings
from inbox.store import listed_item
from inbox.table import counter_id
from planetmail import aws
from planetmail.classification import MAX_TOP_SIGNALS
from planetmail.settings import Settings
from planetmail_local.emulator.service import Emulator, EmulatorOptions
from planetmail_local.emulator.template import load_application
from planetmail_local.stack.config import free_port

ROOT = Path(__file__).resolve().parents[3]
QUEUE = "complaints"
TARGET_MS = 300.0

EXPLANATION = {"towards": "complaints", "signals": [{"name": f"word pair {n}", "weight": 0.01 * n}
                                                   for n in range(MAX_TOP_SIGNALS)]}
"""Every stored message carries the processor's top signals, as the indexer now stores them."""


def load(settings: InboxSettings, count: int) -> None:
    """``count`` messages in one open queue, received one every 20 s up to now."""
    dynamodb = aws.client("dynamodb", settings.pipeline)
    start = datetime.now(UTC) - timedelta(seconds=20 * count)
    loaded = 0

    def chunk(first: int) -> int:
        items = []
        for n in range(first, min(first + 25, count)):
            email = inbox_stack.an_email(f"Delivery problem {n}", f"Paper {n} did not arrive.",
                                         sender=f"reader{n % 5000}@subscribers.example",
                                         received_at=start + timedelta(seconds=20 * n))
            language = "es" if n % 3 == 0 else "en"
            detail = {**inbox_stack.classified(QUEUE, language), "explanation": EXPLANATION}
            items.append(listed_item(email, detail))
        aws.put_all(dynamodb, settings.table, items)
        return len(items)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for written in pool.map(chunk, range(0, count, 25)):
            loaded += written
            if loaded % 10_000 < 25 or loaded == count:
                print(f"  loaded {loaded:>7,} / {count:,}", flush=True)
    spanish = len(range(0, count, 3))
    for language, number in (("es", spanish), ("en", count - spanish)):
        dynamodb.put_item(TableName=settings.table, Item={
            "id": {"S": counter_id(QUEUE, "open", language)}, "n": {"N": str(number)}})


def timed(request: Callable[[], object], repeats: int) -> list[float]:
    request()  # warm: connections, first-call imports
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        request()
        times.append((time.perf_counter() - began) * 1000)
    return times


@contextlib.contextmanager
def api_client(settings: InboxSettings, via: str) -> Iterator[httpx.Client]:
    """An HTTP client on the inbox: the app in-process, or the emulator's gateway in front of it."""
    headers = {"Authorization": f"Bearer {inbox_stack.STAFF_TOKEN}"}
    if via == "app":
        with TestClient(create_app(Runtime(settings)), headers=headers) as client:
            yield client
        return
    with emulated_inbox(settings) as url, httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        yield client


@contextlib.contextmanager
def emulated_inbox(settings: InboxSettings) -> Iterator[str]:
    application = load_application(ROOT / "template.yaml", parameter_overrides={
        "InboxTableName": settings.table, "StatusTableName": settings.pipeline.status_table})
    with tempfile.TemporaryDirectory() as logs, pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLANETMAIL_INBOX_TOKEN", inbox_stack.STAFF_TOKEN)
        patch.setenv("AWS_ENDPOINT_URL", str(settings.pipeline.aws_endpoint_url))
        options = EmulatorOptions(log_dir=Path(logs), api_port=free_port(), lambda_port=free_port(),
                                  workers=1)
        emulator = Emulator(application, options)
        emulator.start(kafka=False, schedules=False)
        try:
            yield f"http://127.0.0.1:{options.api_port}"
        finally:
            emulator.stop()


def measure(settings: InboxSettings, repeats: int, via: str) -> dict[str, list[float]]:
    with api_client(settings, via) as client:

        def page(**params: str) -> dict[str, object]:
            response = client.get("/inbox/api/messages", params={"queue": QUEUE, "limit": "50", **params})
            assert response.status_code == 200, response.text
            body = response.json()
            assert len(body["items"]) == 50
            return dict(body)

        cursor = str(page(order="newest")["cursor"])
        return {
            "newest 50": timed(lambda: page(order="newest"), repeats),
            "oldest 50": timed(lambda: page(order="oldest"), repeats),
            "next 50 (cursor)": timed(lambda: page(order="newest", cursor=cursor), repeats),
            "queue counts": timed(lambda: client.get("/inbox/api/queues").json(), repeats),
        }


def run(base: Settings, messages: int, baseline: int, repeats: int, via: str) -> int:
    results: dict[int, dict[str, list[float]]] = {}
    for count in (baseline, messages):
        settings = inbox_stack.provision(base)
        try:
            print(f"table {settings.table}: loading {count:,} messages into '{QUEUE}'", flush=True)
            began = time.perf_counter()
            load(settings, count)
            print(f"  {count / (time.perf_counter() - began):,.0f} messages/s loaded; measuring {repeats} "
                  "requests of each kind", flush=True)
            results[count] = measure(settings, repeats, via)
        finally:
            inbox_stack.remove(settings)
    print(f"\n{f'request (via {via})':<26}{'messages':>10}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
          f"{'p50 ratio':>11}")
    for name in results[messages]:
        base_p50 = statistics.median(results[baseline][name])
        for count in (baseline, messages):
            times = sorted(results[count][name])
            p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
            ratio = f"{p50 / base_p50:.2f}x" if count == messages else "1.00x"
            print(f"{name:<26}{count:>10,}{p50:>9.1f}{p95:>9.1f}{times[-1]:>9.1f}{ratio:>11}")
    newest = sorted(results[messages]["newest 50"])
    p95 = newest[int(0.95 * (len(newest) - 1))]
    verdict = "within" if p95 < TARGET_MS else "OVER"
    print(f"\nnewest 50 of {messages:,}: p95 {p95:.1f} ms, {verdict} the {TARGET_MS:.0f} ms target")
    return 0 if p95 < TARGET_MS else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--via", choices=("app", "gateway"), default="app")
    args = parser.parse_args()
    if min(args.messages, args.baseline) < 100:
        parser.error("--messages and --baseline need at least 100 messages (two pages of 50)")
    return run(Settings.load(), args.messages, args.baseline, args.requests, args.via)


if __name__ == "__main__":
    sys.exit(main())
