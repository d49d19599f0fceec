"""Follow every accepted message to the SMTP sink: the acknowledgement's subject carries its id.

When the sink's mail folder is on this machine, ``MailFolder`` reads only the messages that arrived
since the last poll, and only their headers; otherwise the viewer's index is read a page at a time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import email.policy
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import httpx

from planetmail.settings import Settings

PAGE_SIZE = 1000
TRACKING_ID_IN_SUBJECT = re.compile(r"\[([0-9A-HJKMNP-TV-Z]{26})\]\s*$")


@dataclasses.dataclass
class Deliveries:
    """Acknowledgements seen in the sink, by tracking id (more than one time = a duplicate)."""

    times: dict[str, list[float]] = dataclasses.field(default_factory=lambda: defaultdict(list))

    def first(self, tracking_id: str) -> float | None:
        seen = self.times.get(tracking_id)
        return min(seen) if seen else None


def read_sink(viewer_url: str, client: httpx.Client) -> Deliveries:
    folder = local_mail_folder(viewer_url)
    if folder is not None:
        return MailFolder(folder).read()
    deliveries = Deliveries()
    for message in _all_messages(viewer_url, client):
        match = TRACKING_ID_IN_SUBJECT.search(str(message.get("subject", "")))
        if match:
            deliveries.times[match.group(1)].append(_received_time(message))
    return deliveries


def local_mail_folder(viewer_url: str) -> Path | None:
    """The sink's mail folder when ``viewer_url`` is the viewer of this checkout's local stack."""
    state_dir = Settings.load().state_dir
    try:
        local = json.loads((state_dir / "local.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    folder = state_dir / "data" / "smtp"
    same_sink = str(local.get("smtp_viewer_url", "")).rstrip("/") == viewer_url.rstrip("/")
    return folder if same_sink and folder.is_dir() else None


class MailFolder:
    """The sink's mail folder read incrementally: each poll parses the headers of new messages only."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._seen: set[str] = set()
        self._deliveries = Deliveries()
        self._headers = BytesHeaderParser(policy=email.policy.default)

    def read(self) -> Deliveries:
        # The sink writes <id>.json, then <id>.eml by a rename: a message is complete once its .eml exists.
        for message in self._folder.glob("*.eml"):
            if message.stem not in self._seen:
                self._seen.add(message.stem)
                with contextlib.suppress(FileNotFoundError):  # cleared from the sink meanwhile
                    self._add(message)
        return self._deliveries

    def _add(self, message: Path) -> None:
        subject = str(self._headers.parsebytes(message.read_bytes()).get("Subject", ""))
        match = TRACKING_ID_IN_SUBJECT.search(subject)
        if match:
            received = json.loads(message.with_suffix(".json").read_text(encoding="utf-8"))
            self._deliveries.times[match.group(1)].append(_received_time(received))


def wait_for_acknowledgements(
    viewer_url: str,
    expected: set[str],
    deadline: float,
    on_progress: Callable[[int], None] = lambda _: None,
    poll_seconds: float = 1.0,
    mail_folder: Path | None = None,
    settled: Callable[[], set[str]] = set,
) -> Deliveries:
    """Poll the sink until every expected id was acknowledged (or ``settled`` names it: it reached
    another terminal state, so no acknowledgement will come) or the deadline passes.

    ``mail_folder``: the sink's folder (cheap incremental reads); by default the local stack's when
    ``viewer_url`` is its sink, else the viewer is asked.
    """
    mail_folder = mail_folder or local_mail_folder(viewer_url)
    folder = MailFolder(mail_folder) if mail_folder is not None and mail_folder.is_dir() else None
    with httpx.Client(timeout=30.0) as client:
        while True:
            deliveries = folder.read() if folder else read_sink(viewer_url, client)
            done = len(expected & (deliveries.times.keys() | settled()))
            on_progress(done)
            if done == len(expected) or time.time() >= deadline:
                return deliveries
            time.sleep(poll_seconds)


def _all_messages(viewer_url: str, client: httpx.Client) -> list[dict[str, Any]]:
    """Every message's summary, a page at a time (``before`` the last id seen)."""
    found: list[dict[str, Any]] = []
    before = ""
    while True:
        response = client.get(f"{viewer_url.rstrip('/')}/api/messages",
                              params={"limit": PAGE_SIZE, "before": before, "full": "false"})
        response.raise_for_status()
        page = _messages(response.json())
        found += page
        if len(page) < PAGE_SIZE:
            return found
        before = str(page[-1]["id"])


def _messages(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, dict):
        document = document.get("messages", [])
    return [m for m in document if isinstance(m, dict)]


def _received_time(message: dict[str, Any]) -> float:
    stamp = message.get("received_at") or message.get("received")
    return datetime.fromisoformat(str(stamp)).timestamp()
