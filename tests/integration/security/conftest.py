"""The security tests drive the collector exactly as its own integration tests do: they reuse that
folder's helpers (provisioning, the API-gateway emulator, signed provider payloads), imported by
bare name like every test helper, so that folder goes on the import path."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collector"))
