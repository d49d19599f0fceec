"""A responder worker that freezes at a chosen point, so a test can SIGKILL it exactly there.

    python crashing_worker.py EVENT.json KILL_POINT LEASE_SECONDS     (settings from the environment)

KILL_POINT ``after-send``: the SMTP server accepted the reply, the ledger still says "sending".
KILL_POINT ``after-settle``: the ledger says "acknowledged"; the lifecycle event is not flushed and the
handler never returned, so the event-source mapping would not commit the offsets.
The worker prints ``FROZEN`` when it gets there and waits to be killed.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from planetmail.lifecycle import LifecycleEvent
from planetmail.send_ledger import SendLedger
from planetmail.settings import Settings
from responder.handler import handle
from responder.senders import Receipt
from responder.senders.smtp import SmtpTransport
from responder.worker import build_responder


def freeze() -> None:
    print("FROZEN", flush=True)
    time.sleep(600)
    sys.exit("not killed in time")


class FreezingAfterSend(SmtpTransport):
    def send(self, message: EmailMessage, *, sender: str, recipient: str, deadline: float | None = None,
             on_accepted: Callable[[], object] = lambda: None) -> Receipt:
        super().send(message, sender=sender, recipient=recipient, deadline=deadline, on_accepted=on_accepted)
        freeze()
        raise AssertionError("unreachable")


class FreezingAfterSettle(SendLedger):
    def settle(self, tracking_id: str, owner: str, event: LifecycleEvent) -> None:
        super().settle(tracking_id, owner, event)
        freeze()


def main(event_file: str, kill_point: str, lease_seconds: str) -> None:
    settings = Settings.load()
    event = json.loads(Path(event_file).read_text(encoding="utf-8"))
    lease = float(lease_seconds)
    if kill_point == "after-send":
        responder = build_responder(settings, transport=FreezingAfterSend(settings),
                                    ledger=SendLedger(settings, lease_seconds=lease))
    else:
        responder = build_responder(settings, ledger=FreezingAfterSettle(settings, lease_seconds=lease))
    handle(event, responder)
    sys.exit(f"finished without reaching {kill_point}")


if __name__ == "__main__":
    main(*sys.argv[1:])
