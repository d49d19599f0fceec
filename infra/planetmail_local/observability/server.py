"""Serve the dashboard on its own: ``planetmail dashboard`` / ``python -m planetmail_local.observability``."""

from __future__ import annotations

from typing import Final

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
