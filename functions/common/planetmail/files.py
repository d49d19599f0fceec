"""Files a warm Lambda worker writes to its temporary folder for later invocations to reuse."""

from __future__ import annotations

import os
from pathlib import Path


def write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` under a name of this process first, then rename it to ``path``: another worker
    (or a later invocation after a timeout cut this one short) sees the whole file or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(path)
