"""The pipeline a fault test breaks: a throwaway stack instance on free ports, the installed classifier,
and ``planetmail start`` as a subprocess against that instance. Nothing here touches the shared stack."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
from e2e_support import ROOT, worker_environment
from fault_settlement import SettlementWatch

from planetmail.settings import ENV_MODEL_PATH, Settings
from planetmail_local.stack import control
from planetmail_local.stack.components import stack_services
from planetmail_local.stack.config import StackConfig, free_port
from planetmail_local.stack.errors import StackError
from planetmail_local.stack.lifecycle import ensure_running
from planetmail_local.stack.process import own_process
from planetmail_local.stack.steps import ClassifierModel
from processor import artifact

PLANETMAIL = Path(sys.executable).parent / "planetmail"


@dataclasses.dataclass
class FaultPipeline:
    config: StackConfig
    emulator: subprocess.Popen[bytes]
    api_url: str
    lambda_url: str
    log_dir: Path

    @functools.cached_property
    def settlements(self) -> SettlementWatch:
        """Follows the sink and mail.events for the pipeline's life (closed with it)."""
        return SettlementWatch(self.settings, self.config.data_dir / "smtp")

    @property
    def settings(self) -> Settings:
        return self.config.settings()

    @property
    def environment(self) -> dict[str, str]:
        """What a ``planetmail`` command needs to address this instance."""
        return {**os.environ, **self.config.environment()}

    def service_process(self, name: str) -> psutil.Process:
        """The live process of one of its services: ``kafka``, ``zookeeper``, ``aws`` or ``smtp``."""
        process = own_process(self.config.pid_file(name))
        assert process is not None, f"{name} of the throwaway instance is not running"
        return process

    def kill_service(self, name: str) -> None:
        """kill -9, no clean shutdown (its children too)."""
        process = self.service_process(name)
        for member in [*process.children(recursive=True), process]:
            with contextlib.suppress(psutil.Error):
                member.kill()
        psutil.wait_procs([process], timeout=10)

    def restart_service(self, name: str, attempts: int = 5) -> None:
        """Start it again; a broker restarted right after kill -9 may still find its old ZooKeeper
        registration (until the session expires) and exit, so a few attempts are allowed."""
        service = next(s for s in stack_services(self.config) if s.name == name)
        for attempt in range(attempts):
            try:
                ensure_running(service)
                return
            except StackError:
                if attempt == attempts - 1:
                    raise
                time.sleep(3)

    def planetmail(self, *args: str) -> str:
        """Run a ``planetmail`` command against this instance; its output (stdout and stderr)."""
        result = subprocess.run([str(PLANETMAIL), *args], env=self.environment, capture_output=True,
                                text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        return result.stdout + result.stderr

    def replay_dead_letters(self) -> int:
        """``planetmail dlq replay`` (everything past the cursor); how many it sent back."""
        replayed = re.search(r"(\d+) dead letter\(s\) replayed", self.planetmail("dlq", "replay"))
        assert replayed, "planetmail dlq replay did not say how many it replayed"
        return int(replayed.group(1))

    def workers(self, handler: str) -> list[psutil.Process]:
        """The emulator's worker processes running ``handler`` (e.g. ``processor.handler.handler``)."""
        children = psutil.Process(self.emulator.pid).children(recursive=True)
        return [child for child in children if handler in _cmdline(child)]

    def mapping_status(self) -> dict[str, dict[str, Any]]:
        response = httpx.get(f"{self.lambda_url}/_emulator/status", timeout=10)
        response.raise_for_status()
        mappings: dict[str, dict[str, Any]] = response.json()["mappings"]
        return mappings


@contextlib.contextmanager
def running_pipeline(state_dir: Path, log_dir: Path) -> Iterator[FaultPipeline]:
    with (control.running(StackConfig.on_free_ports(state_dir, Settings.load().cache_dir)) as config,
          _emulator(config, log_dir) as pipeline):
        yield pipeline


def installed_model() -> Path:
    """The shared checkout's model (``planetmail train --if-missing`` first, as ``planetmail up`` does)."""
    shared = StackConfig.from_settings(Settings.load())
    ClassifierModel(shared).run()
    return artifact.resolve(Settings.load())


@contextlib.contextmanager
def _emulator(config: StackConfig, log_dir: Path) -> Iterator[FaultPipeline]:
    settings = config.settings()
    environment = {**os.environ, **config.environment(), **worker_environment(settings, settings.zk_root),
                   ENV_MODEL_PATH: str(installed_model())}
    api_port, lambda_port = free_port(), free_port()
    command = [str(PLANETMAIL), "start", "-t", str(ROOT / "template.yaml"),
               "-p", str(api_port), "--lambda-port", str(lambda_port), "--dashboard-port", "0",
               "--log-dir", str(log_dir), "--parameter-overrides", _own_instance(config)]
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / "emulator.err").open("wb") as errors:
        process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=errors)
    pipeline = FaultPipeline(config, process, f"http://127.0.0.1:{api_port}",
                             f"http://127.0.0.1:{lambda_port}", log_dir)
    try:
        _wait_until_up(pipeline)
        yield pipeline
    finally:
        if "settlements" in vars(pipeline):
            pipeline.settlements.close()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _own_instance(config: StackConfig) -> str:
    """Template parameters that would otherwise default to the SHARED stack's broker and SMTP server."""
    return (f"KafkaBootstrapServers={config.kafka_bootstrap} SmtpHost={config.host} "
            f"SmtpPort={config.smtp_port} ImapSchedule='rate(1 day)'")


def _wait_until_up(pipeline: FaultPipeline, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if pipeline.emulator.poll() is not None:
            raise AssertionError(f"planetmail start exited with {pipeline.emulator.returncode}; "
                                 f"see {pipeline.log_dir / 'emulator.err'}")
        with contextlib.suppress(httpx.TransportError):
            if len(pipeline.mapping_status()) >= 2:
                return
        time.sleep(0.5)
    raise AssertionError("planetmail start did not come up")


def _cmdline(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""
