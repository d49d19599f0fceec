"""Two emulator instances on one machine share the pipeline through Kafka consumer groups and find
each other through ZooKeeper's registry; no message is handled twice (issue 8, scale-out)."""

from __future__ import annotations

import dataclasses
import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from e2e_support import CREDENTIALS, ROOT, genuine_corpus, send_all, viewer_url, worker_environment

from planetmail.coordination.client import zookeeper
from planetmail.coordination.registry import registered
from planetmail.settings import ENV_TOPIC_PREFIX, ENV_ZK_ROOT, Settings
from planetmail_local.bench.follow import wait_for_acknowledgements
from planetmail_local.bench.traffic import TrafficMix
from planetmail_local.stack.config import free_port
from planetmail_local.stack.topics import delete_topics, ensure_topics

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MESSAGES = 60
PLANETMAIL = Path(sys.executable).parent / "planetmail"


@dataclasses.dataclass
class Instance:
    process: subprocess.Popen[bytes]
    api_url: str
    lambda_url: str

    def processed(self) -> int:
        status = httpx.get(f"{self.lambda_url}/_emulator/status", timeout=10).json()
        return sum(m["processed"] for name, m in status["mappings"].items() if name.startswith("Processor"))


@pytest.fixture
def two_instances(stack_settings: Settings, tmp_path) -> Iterator[tuple[Settings, list[Instance]]]:
    settings = dataclasses.replace(stack_settings, topic_prefix=f"scale{uuid.uuid4().hex[:8]}.",
                                   zk_root=f"/planetmail-scale-{uuid.uuid4().hex[:8]}")
    ensure_topics(settings)
    environment = {**os.environ, **worker_environment(settings, settings.zk_root),
                   ENV_TOPIC_PREFIX: settings.topic_prefix}
    instances = []
    for number in range(2):
        api_port, lambda_port = free_port(), free_port()
        command = [str(PLANETMAIL), "start", "-t", str(ROOT / "template.yaml"),
                   "-p", str(api_port), "--lambda-port", str(lambda_port), "--dashboard-port", "0",
                   "--log-dir", str(tmp_path / f"instance{number}"),
                   "--parameter-overrides", f"TopicPrefix={settings.topic_prefix} ImapSchedule='rate(1 day)'"]
        process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL,
                                   stderr=(tmp_path / f"instance{number}.err").open("wb"))
        instances.append(Instance(process, f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{lambda_port}"))
    try:
        for instance in instances:
            _wait_until_up(instance)
        yield settings, instances
    finally:
        for instance in instances:
            instance.process.send_signal(signal.SIGTERM)
        for instance in instances:
            try:
                instance.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                instance.process.kill()
        delete_topics(settings)


def test_two_instances_share_the_work_and_each_message_is_acknowledged_once(two_instances):
    settings, instances = two_instances
    with zookeeper(settings) as client:
        deadline = time.monotonic() + 20
        while len(registered(client, settings.zk_root, "emulator")) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        instances_seen = [entry.instance for entry in registered(client, settings.zk_root, "emulator")]
        assert len(instances_seen) == 2
    shown = subprocess.run([str(PLANETMAIL), "status"], env={**os.environ, ENV_ZK_ROOT: settings.zk_root},
                           capture_output=True, text=True, timeout=60, check=False)
    assert all(instance in shown.stdout for instance in instances_seen), shown.stdout

    mix = TrafficMix(genuine_corpus(), CREDENTIALS, auto_reply_share=0.0, seed=5)
    requests = list(itertools.islice(mix.requests(), MESSAGES))
    accepted = send_all(instances[0].api_url, requests[: MESSAGES // 2])
    accepted |= send_all(instances[1].api_url, requests[MESSAGES // 2 :])

    deliveries = wait_for_acknowledgements(viewer_url(settings), set(accepted), deadline=time.time() + 180)
    time.sleep(3)  # room for a wrong second email to arrive
    deliveries = wait_for_acknowledgements(viewer_url(settings), set(accepted), deadline=time.time())

    assert {tid: len(deliveries.times.get(tid, [])) for tid in accepted} == dict.fromkeys(accepted, 1)
    processed = [instance.processed() for instance in instances]
    assert all(count > 0 for count in processed), f"one instance did no work: {processed}"
    assert sum(processed) >= MESSAGES


def _wait_until_up(instance: Instance, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            raise AssertionError(f"planetmail start exited with {instance.process.returncode}")
        try:
            httpx.get(f"{instance.lambda_url}/_emulator/status", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.3)
    raise AssertionError("planetmail start did not come up")
