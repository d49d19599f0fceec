"""The project's pinned tools, found where `make` installs them."""

from __future__ import annotations

import sys
from pathlib import Path


def uv_command() -> list[str]:
    """uv from this environment (the dev group pins it), never resolving a Python of its own."""
    return [str(Path(sys.executable).parent / "uv"), "--no-python-downloads"]
