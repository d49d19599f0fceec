"""Listing the sink's latest messages with many stored: the SQLite index against re-parsing every file.

    python -m planetmail_local.smtp_sink.benchmark [--messages 10000] [--requests 20] [--no-baseline]

Fills a throwaway mail folder with acknowledgement-sized messages, serves it with the real viewer
over HTTP on a free loopback port, and times ``GET /api/messages?limit=50`` (the latest page, a deep
page with ``before``, a search with ``q``). The baseline, in the same run, is what the viewer did
before the index: parse every stored ``.eml`` for each listing.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import statistics
import tempfile
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import httpx
import uvicorn

from planetmail_local.smtp_sink.faults import FaultPlan
from planetmail_local.smtp_sink.store import Envelope, MessageStore
from planetmail_local.smtp_sink.viewer import create_app
from planetmail_local.stack.config import free_port


def acknowledgement(number: int) -> bytes:
    message = EmailMessage()
    message["From"] = "Daily Planet Reader Services <readers@dailyplanet.example>"
    message["To"] = f"reader{number}@subscribers.example"
    message["Subject"] = f"Re: My paper did not arrive, again [{number:026d}]"
    text = "Thank you for writing to the Daily Planet. " * 12
    message.set_content(text)
    message.add_alternative(f"<p>{text}</p>", subtype="html")
    return bytes(message)


def fill(store: MessageStore, count: int) -> None:
    for number in range(count):
        store.save(Envelope("readers@dailyplanet.example", [f"reader{number}@subscribers.example"]),
                   acknowledgement(number))
        if (number + 1) % 1000 == 0:
            print(f"  stored {number + 1}/{count}", flush=True)


def timed(client: httpx.Client, path: str, params: dict[str, str | int], requests: int) -> tuple[float, int]:
    """Median milliseconds of ``requests`` GETs, and the size of the answer."""
    times, size = [], 0
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path, params=params)
        response.raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
        size = len(response.content)
    return statistics.median(times), size


def reparse_all(folder: Path) -> float:
    """The old listing: every stored message parsed, newest first (milliseconds)."""
    started = time.perf_counter()
    for path in sorted(folder.glob("*.eml"), reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        message.get_body(preferencelist=("plain",))
        message.get_body(preferencelist=("html",))
    return (time.perf_counter() - started) * 1000


def serve(store: MessageStore) -> tuple[uvicorn.Server, str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store, FaultPlan()), host="127.0.0.1", port=port,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--no-baseline", action="store_true", help="skip re-parsing every message")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="planetmail-sink-bench-") as folder:
        print(f"storing {args.messages} messages in {folder}", flush=True)
        store = MessageStore(Path(folder))
        fill(store, args.messages)
        server, url = serve(store)
        try:
            with httpx.Client(base_url=url, timeout=120) as client:
                oldest_of_first_page = client.get("/api/messages", params={"limit": 50}).json()[-1]["id"]
                cases: dict[str, dict[str, str | int]] = {
                    "latest 50 (full)": {"limit": 50},
                    "latest 50 (summary)": {"limit": 50, "full": "false"},
                    "next page (before)": {"limit": 50, "before": oldest_of_first_page},
                    "search q=reader4242": {"limit": 50, "q": "reader4242"},
                }
                print(f"{'GET /api/messages':<26}{'median ms':>12}{'bytes':>12}")
                latest = 0.0
                for name, params in cases.items():
                    median, size = timed(client, "/api/messages", params, args.requests)
                    latest = latest or median
                    print(f"{name:<26}{median:>12.1f}{size:>12}", flush=True)
        finally:
            server.should_exit = True
        if not args.no_baseline:
            print("baseline: re-parsing every stored message (what each listing cost before the index)...",
                  flush=True)
            baseline = reparse_all(Path(folder))
            print(f"{'re-parse all (baseline)':<26}{baseline:>12.1f}")
            print(f"latest 50 is {baseline / latest:.0f}x faster than the baseline")


if __name__ == "__main__":
    main()
