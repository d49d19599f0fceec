"""The ``Service`` protocol every stack process shares, and the generic start logic behind it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.process import spawn


class Service(Protocol):
    """A long-running process of the stack, started detached and recognised by its pid file."""

    name: str
    host: str
    port: int
    start_timeout: float
    """Seconds ``up`` waits for :meth:`healthy` after starting it."""
    port_setting: str
    """The environment variable that moves it to another port (named in the port-conflict error)."""

    @property
    def pid_file(self) -> Path: ...

    @property
    def log_file(self) -> Path: ...

    def start(self) -> int:
        """Write its config files and spawn it; return the pid."""
        ...

    def healthy(self) -> bool: ...


class Step(Protocol):
    """A one-shot, idempotent action of ``up`` (resolve jars, create topics, bootstrap AWS resources)."""

    name: str

    def run(self) -> str:
        """Do it; return a short summary for the progress line."""
        ...


class ManagedService:
    """Base of the stack's services: pid/log files from the config, spawn of :meth:`command`."""

    name = ""
    start_timeout = 60.0
    port_setting = ""

    def __init__(self, config: StackConfig, port: int, host: str | None = None) -> None:
        self.config = config
        self.port = port
        self.host = host or config.host

    @property
    def pid_file(self) -> Path:
        return self.config.pid_file(self.name)

    @property
    def log_file(self) -> Path:
        return self.config.log_file(self.name)

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> Mapping[str, str]:
        """Every service sees its own instance's ports and state folder (a throwaway one included)."""
        return self.config.environment()

    def start(self) -> int:
        return spawn(self.command(), self.log_file, self.pid_file, self.environment())

    def healthy(self) -> bool:
        raise NotImplementedError


class CommandService(ManagedService):
    """Any command with a health check, e.g. the FaaS emulator::

        CommandService(config, "emulator", 3000, planetmail_cli("start"),
                       lambda: probes.http_ok("http://127.0.0.1:3001/..."))
    """

    def __init__(
        self, config: StackConfig, name: str, port: int, argv: list[str], health: Callable[[], bool],
        start_timeout: float = 60.0, port_setting: str = "",
    ) -> None:
        super().__init__(config, port)
        self.name = name
        self.argv = argv
        self.health = health
        self.start_timeout = start_timeout
        self.port_setting = port_setting

    def command(self) -> list[str]:
        return self.argv

    def healthy(self) -> bool:
        return self.health()


def python_module(module: str, *args: str) -> list[str]:
    """argv running a module with this interpreter (the venv's)."""
    return [sys.executable, "-m", module, *args]


def planetmail_cli(*args: str) -> list[str]:
    """argv running a ``planetmail`` subcommand from this venv (e.g. ``planetmail_cli("start")``)."""
    return [str(Path(sys.executable).with_name("planetmail")), *args]
