"""A leader candidate as a real process, so tests can SIGKILL it.

    python coordination_candidate.py HOSTS ROOT JOB NAME TICKS_FILE SESSION_TIMEOUT

Registers ``<ROOT>/registry/candidate/<NAME>``, stands for JOB, and while leading appends
``<unix time> <NAME>`` to TICKS_FILE every 50 ms. SIGTERM leaves cleanly.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

from planetmail.coordination.client import new_client
from planetmail.coordination.leader import LeaderElection, run_as_leader
from planetmail.coordination.registry import register
from planetmail.settings import Settings

TICK = 0.05


def main(hosts: str, root: str, job: str, name: str, ticks: Path, session_timeout: float) -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    client = new_client(Settings.load({}, zookeeper=hosts, zk_root=root), session_timeout)
    client.start(timeout=15)

    def tick(standing_down: threading.Event) -> None:
        with ticks.open("a", encoding="utf-8") as out:
            while not standing_down.wait(TICK):
                out.write(f"{time.time():.3f} {name}\n")
                out.flush()

    try:
        with (register(client, root, "candidate", name, interval=0.5),
              LeaderElection(client, job, name, root=root) as election):
            run_as_leader(election, tick)
    finally:
        client.stop()
        client.close()


if __name__ == "__main__":
    hosts, root, job, name, ticks, timeout = sys.argv[1:7]
    main(hosts, root, job, name, Path(ticks), float(timeout))
