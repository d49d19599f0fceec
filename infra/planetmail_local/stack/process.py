"""Detached service processes: spawn, recognise our own pids (pid + start time), stop the whole group."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path

import psutil


def spawn(argv: list[str], log_file: Path, pid_file: Path, env: Mapping[str, str] | None = None) -> int:
    """Start ``argv`` in its own session, output appended to ``log_file``; record it in ``pid_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})}, start_new_session=True,
        )
    started = psutil.Process(process.pid).create_time()
    pid_file.write_text(json.dumps({"pid": process.pid, "create_time": started}), encoding="utf-8")
    return process.pid


def own_process(pid_file: Path) -> psutil.Process | None:
    """The live process this pid file names, or None (a stale file is removed: the pid may be reused)."""
    try:
        record = json.loads(pid_file.read_text(encoding="utf-8"))
        process = psutil.Process(int(record["pid"]))
        if abs(process.create_time() - float(record["create_time"])) < 0.01 and _alive(process):
            return process
    except (OSError, ValueError, KeyError, psutil.Error):
        pass
    pid_file.unlink(missing_ok=True)
    return None


def _alive(process: psutil.Process) -> bool:
    return bool(process.is_running() and process.status() != psutil.STATUS_ZOMBIE)


def exit_code(process: psutil.Process) -> int | None:
    """The exit code when ``process`` (our child or not) has ended, else None."""
    try:
        if _alive(process):
            return None
        code = process.wait(timeout=0)
        return int(code) if code is not None else 0
    except psutil.TimeoutExpired:
        return None
    except psutil.Error:
        return -1


def stop(process: psutil.Process, timeout: float = 20.0) -> None:
    """SIGTERM the process group (clean shutdown), SIGKILL whatever is left after ``timeout``."""
    members = process_tree(process)
    for member in members:
        with contextlib.suppress(psutil.Error):
            member.send_signal(signal.SIGTERM)
    _, alive = psutil.wait_procs(members, timeout=timeout)
    for member in alive:
        with contextlib.suppress(psutil.Error):
            member.kill()
    psutil.wait_procs(alive, timeout=5)


def process_tree(process: psutil.Process) -> list[psutil.Process]:
    """The process and all its descendants (just the process when they cannot be listed)."""
    try:
        return [process, *process.children(recursive=True)]
    except psutil.Error:
        return [process]


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_owner(port: int) -> int | None:
    """The pid listening on ``port`` (None when unknown or free)."""
    with contextlib.suppress(psutil.Error):
        for connection in psutil.net_connections(kind="tcp"):
            if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port:
                return int(connection.pid) if connection.pid else None
    return None


def describe(pid: int | None) -> str:
    if pid is None:
        return "an unknown process"
    try:
        return f"pid {pid} ({' '.join(psutil.Process(pid).cmdline())[:80]})"
    except psutil.Error:
        return f"pid {pid}"
