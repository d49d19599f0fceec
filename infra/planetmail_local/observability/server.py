"""Serve the dashboard on its own: ``planetmail dashboard`` / ``python -m planetmail_local.observability``."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, Final

import uvicorn

from planetmail.settings import Settings
from planetmail_local.observability.api import create_app
from planetmail_local.observability.observatory import Observatory

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 3100
DEFAULT_URL: Final = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"


def serve(settings: Settings, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          sla_seconds: float | None = None) -> None:
    """Follow ``mail.events`` and serve the page, ``/metrics`` and the JSON API until interrupted."""
    observatory = Observatory(settings, sla_seconds=sla_seconds)
    observatory.start()
    try:
        uvicorn.run(create_app(observatory), host=host, port=port, log_level="warning")
    finally:
        observatory.stop()


@contextlib.contextmanager
def serve_in_background(observatory: Observatory, host: str = DEFAULT_HOST, port: int = 0) -> Iterator[str]:
    """Serve an already started observatory from a thread; yields the base URL (port 0: any free one)."""
    with serve_app_in_background(create_app(observatory), host, port) as url:
        yield url


@contextlib.contextmanager
def serve_app_in_background(app: Any, host: str = DEFAULT_HOST, port: int = 0) -> Iterator[str]:
    """Serve any ASGI ``app`` from a thread for the ``with`` block; yields the base URL (port 0: any)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.05)
    try:
        yield f"http://{host}:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()
