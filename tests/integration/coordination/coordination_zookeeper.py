"""A throwaway ZooKeeper JVM (the Kafka distribution's jars, from the cache `planetmail up` fills) on a free
port, for tests that kill it.

Short ticks so tests can use one- to three-second sessions. ``stop()`` keeps the data directory, so a
restart brings back the same znodes and sessions, as a real ZooKeeper outage would.
"""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import SessionExpiredError

from planetmail_local.stack.config import free_port

MAIN_CLASS = "org.apache.zookeeper.server.quorum.QuorumPeerMain"

PROPERTIES = """\
tickTime=200
minSessionTimeout=1000
maxSessionTimeout=30000
dataDir={data_dir}
clientPort={port}
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok
"""


def is_serving(port: int) -> bool:
    """ZooKeeper answers the four-letter ``ruok`` with ``imok`` once it serves clients."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(b"ruok")
            return connection.recv(4) == b"imok"
    except OSError:
        return False


@dataclasses.dataclass
class ThrowawayZooKeeper:
    directory: Path
    lib: Path
    """The jars (``StackConfig.kafka_lib``: the Kafka distribution ships ZooKeeper's)."""
    port: int = dataclasses.field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def hosts(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30.0) -> None:
        config = self.directory / "zoo.cfg"
        (self.directory / "data").mkdir(parents=True, exist_ok=True)
        config.write_text(PROPERTIES.format(data_dir=self.directory / "data", port=self.port))
        command = ["java", "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                   "-cp", f"{self.lib}/*", MAIN_CLASS, str(config)]
        with (self.directory / "zookeeper.log").open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while not is_serving(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"throwaway ZooKeeper did not start; see {self.directory}/zookeeper.log")
            time.sleep(0.1)

    def stop(self, sig: signal.Signals = signal.SIGKILL) -> None:
        if self.process is not None:
            self.process.send_signal(sig)
            self.process.wait(timeout=20)
            self.process = None


def expire_session(client: KazooClient) -> None:
    """Make ZooKeeper expire ``client``'s session, as after a long partition or pause: a second
    client attaches to the same session and closes it (kazoo's own test harness does the same)."""
    lost = threading.Event()
    client.add_listener(lambda state: lost.set() if state == KazooState.LOST else None)
    hosts = ",".join(f"{host}:{port}" for host, port in client.hosts)
    twin = KazooClient(hosts=hosts, client_id=client.client_id, timeout=client._session_timeout / 1000)
    twin.start(timeout=10)
    twin.stop()
    twin.close()
    with contextlib.suppress(SessionExpiredError):
        client.exists("/")  # the next request meets the expired session
    if not lost.wait(10):
        raise RuntimeError("the session did not expire")
    deadline = time.monotonic() + 10
    while not client.connected:  # kazoo starts a new session by itself
        if time.monotonic() > deadline:
            raise RuntimeError("no new session after the expiry")
        time.sleep(0.02)
