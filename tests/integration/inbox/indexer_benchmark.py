"""Benchmark: what the inbox indexer costs per message at the AWS endpoint.

    .venv/bin/python tests/integration/inbox/indexer_benchmark.py [--messages 300] [--rounds 3]

Each message's three records (its email, the processor's verdict, the responder's outcome) are handed
to ``InboxStore`` in the pipeline's usual order, on a table of its own on the running local stack. It
prints DynamoDB calls and response bytes per message (deterministic: the figures to compare between
commits) and client CPU and wall time per message (noisy: run rounds of two checkouts interleaved,
as the session-7 figures in docs/benchmarks.md were).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from inbox_stack import an_email, classified, provision, remove

from inbox.store import InboxStore
from planetmail import aws
from planetmail.settings import Settings


class CallCounter:
    """DynamoDB operations and response body bytes, from botocore's own events."""

    def __init__(self, client: Any) -> None:
        self.calls: dict[str, int] = {}
        self.response_bytes = 0
        client.meta.events.register("after-call.dynamodb", self._after_call)

    def _after_call(self, http_response: Any, model: Any, **_: Any) -> None:
        self.calls[model.name] = self.calls.get(model.name, 0) + 1
        self.response_bytes += len(http_response.content or b"")


def index_round(store: InboxStore, messages: int) -> None:
    for _ in range(messages):
        email = an_email(text="It did not arrive today. " * 40)
        store.add_email(email)
        store.add_classification(email.id, classified("delivery"))
        store.add_acknowledgement(email.id, "acknowledged", "2026-12-06T00:00:00.000000Z")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = provision(Settings.load())
    try:
        client = aws.client("dynamodb", settings.pipeline)
        store = InboxStore(client, settings.table)
        index_round(store, 20)  # warm the connection pool and the endpoint
        counter = CallCounter(client)
        cpu = wall = 0.0
        for number in range(1, args.rounds + 1):
            started, started_cpu = time.perf_counter(), time.process_time()
            index_round(store, args.messages)
            wall += time.perf_counter() - started
            cpu += time.process_time() - started_cpu
            print(f"round {number}/{args.rounds}: {args.messages} messages indexed", flush=True)
        total = args.messages * args.rounds
        calls = ", ".join(f"{name} {count / total:.2f}" for name, count in sorted(counter.calls.items()))
        print(f"per message: {sum(counter.calls.values()) / total:.2f} DynamoDB calls ({calls}); "
              f"{counter.response_bytes / total:.0f} response bytes; "
              f"client CPU {cpu / total * 1000:.2f} ms; wall {wall / total * 1000:.2f} ms")
    finally:
        remove(settings)


if __name__ == "__main__":
    main()
