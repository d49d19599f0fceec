"""Bring one service up (reuse, adopt or start it, then wait for health), stop it, report on it."""

from __future__ import annotations

import dataclasses
import enum
import time

import psutil

from planetmail_local.stack.errors import StackError
from planetmail_local.stack.process import describe, exit_code, own_process, port_open, port_owner, stop
from planetmail_local.stack.service import Service
from planetmail_local.stack.start_failures import KnownStartFailure, diagnose


class Origin(enum.StrEnum):
    STARTED = "started"
    REUSED = "reused"
    EXTERNAL = "external"
    """Healthy on its port but not started from this state folder (e.g. by hand): used, never stopped."""
    STOPPED = "stopped"


@dataclasses.dataclass(frozen=True)
class ServiceState:
    name: str
    port: int
    pid: int | None
    origin: Origin
    healthy: bool


def ensure_running(service: Service) -> ServiceState:
    process = own_process(service.pid_file)
    if process is not None:
        _wait_healthy(service, process)
        return ServiceState(service.name, service.port, process.pid, Origin.REUSED, True)
    if port_open(service.host, service.port):
        if service.healthy():
            return ServiceState(service.name, service.port, port_owner(service.port), Origin.EXTERNAL, True)
        raise StackError(
            f"port {service.port} for {service.name} is taken by {describe(port_owner(service.port))}; "
            f"stop it or set {service.port_setting or 'its port setting'} to a free port; "
            f"log: {service.log_file}"
        )
    try:
        pid = _start(service)
    except ExitedWhileStarting as exc:
        if not exc.failure.retry_after_s:
            raise
        time.sleep(exc.failure.retry_after_s)  # e.g. a killed broker's ZooKeeper session expiring
        pid = _start(service)
    return ServiceState(service.name, service.port, pid, Origin.STARTED, True)


class ExitedWhileStarting(StackError):
    def __init__(self, service: Service, code: int, failure: KnownStartFailure) -> None:
        super().__init__(f"{service.name} exited while starting (exit code {code}): {failure.cause}; "
                         f"{failure.fix}; log: {service.log_file}")
        self.failure = failure


def _start(service: Service) -> int:
    since = _log_size(service)
    pid = service.start()
    _wait_healthy(service, psutil.Process(pid), since)
    return pid


def _wait_healthy(service: Service, process: psutil.Process, log_since: int | None = None) -> None:
    """Until healthy; ``log_since`` is where this start's output begins in the (appended) log."""
    since = _log_size(service) if log_since is None else log_since
    deadline = time.monotonic() + service.start_timeout
    while not service.healthy():
        code = exit_code(process)
        if code is not None:
            raise ExitedWhileStarting(service, code, diagnose(_log_lines(service, since)))
        if time.monotonic() > deadline:
            raise StackError(
                f"{service.name} did not become healthy within {service.start_timeout:.0f}s; "
                f"see its log: {service.log_file}"
            )
        time.sleep(0.5)


def _log_lines(service: Service, since: int) -> list[str]:
    """The log's lines from byte ``since`` on: earlier runs' failures are not this one's."""
    try:
        with service.log_file.open("rb") as log:
            log.seek(since)
            return log.read().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _log_size(service: Service) -> int:
    try:
        return service.log_file.stat().st_size
    except OSError:
        return 0


def stop_service(service: Service) -> ServiceState:
    """Stop it when it is ours; a foreign process on the port is left alone (reported as external)."""
    process = own_process(service.pid_file)
    if process is None:
        return inspect(service)
    stop(process)
    service.pid_file.unlink(missing_ok=True)
    return ServiceState(service.name, service.port, process.pid, Origin.STOPPED, False)


def inspect(service: Service) -> ServiceState:
    process = own_process(service.pid_file)
    if process is not None:
        return ServiceState(service.name, service.port, process.pid, Origin.STARTED, service.healthy())
    if port_open(service.host, service.port):
        return ServiceState(
            service.name, service.port, port_owner(service.port), Origin.EXTERNAL, service.healthy()
        )
    return ServiceState(service.name, service.port, None, Origin.STOPPED, False)
