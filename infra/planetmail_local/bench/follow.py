"""Follow every accepted message to the SMTP sink: the acknowledgement's subject carries its id."""

from __future__ import annotations

import dataclasses
import re
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

TRACKING_ID_IN_SUBJECT = re.compile(r"\[([0-9A-HJKMNP-TV-Z]{26})\]\s*$")


@dataclasses.dataclass
class Deliveries:
    """Acknowledgements seen in the sink, by tracking id (more than one time = a duplicate)."""

    times: dict[str, list[float]] = dataclasses.field(default_factory=lambda: defaultdict(list))

    def first(self, tracking_id: str) -> float | None:
        seen = self.times.get(tracking_id)
        return min(seen) if seen else None


def read_sink(viewer_url: str, client: httpx.Client) -> Deliveries:
    response = client.get(f"{viewer_url.rstrip('/')}/api/messages", params={"limit": 1_000_000})
    response.raise_for_status()
    deliveries = Deliveries()
    for message in _messages(response.json()):
        match = TRACKING_ID_IN_SUBJECT.search(str(message.get("subject", "")))
        if match:
            deliveries.times[match.group(1)].append(_received_time(message))
    return deliveries


def wait_for_acknowledgements(
    viewer_url: str,
    expected: set[str],
    deadline: float,
    on_progress: Callable[[int], None] = lambda _: None,
    poll_seconds: float = 1.0,
) -> Deliveries:
    """Poll the sink until every expected id was acknowledged or the deadline passes."""
    with httpx.Client(timeout=30.0) as client:
        while True:
            deliveries = read_sink(viewer_url, client)
            done = len(expected & deliveries.times.keys())
            on_progress(done)
            if done == len(expected) or time.time() >= deadline:
                return deliveries
            time.sleep(poll_seconds)


def _messages(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, dict):
        document = document.get("messages", [])
    return [m for m in document if isinstance(m, dict)]


def _received_time(message: dict[str, Any]) -> float:
    stamp = message.get("received_at") or message.get("received")
    return datetime.fromisoformat(str(stamp)).timestamp()
