"""Bring one service up (reuse, adopt or start it, then wait for health), stop it, report on it."""

from __future__ import annotations

import dataclasses
import enum
import time

import psutil

from planetmail_local.stack.errors import StackError
from planetmail_local.stack.process import describe, exit_code, own_process, port_open, port_owner, stop
from planetmail_local.stack.service import Service
from planetmail_local.stack.start_failures import diagnose


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
    pid = service.start()
    _wait_healthy(service, psutil.Process(pid))
    return ServiceState(service.name, service.port, pid, Origin.STARTED, True)


def _wait_healthy(service: Service, process: psutil.Process) -> None:
    deadline = time.monotonic() + service.start_timeout
    while not service.healthy():
        code = exit_code(process)
        if code is not None:
            cause, fix = diagnose(_log_lines(service))
            raise StackError(
                f"{service.name} exited while starting (exit code {code}): {cause}; "
                f"{fix}; log: {service.log_file}"
            )
        if time.monotonic() > deadline:
            raise StackError(
                f"{service.name} did not become healthy within {service.start_timeout:.0f}s; "
                f"see its log: {service.log_file}"
            )
        time.sleep(0.5)


def _log_lines(service: Service) -> list[str]:
    try:
        return service.log_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


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
