"""Where the checkout and the workplace's shared folder (public fixtures and data) are."""

from __future__ import annotations

import os
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
ENV_SHARED_DIR = "PLANETMAIL_SHARED_DIR"


def shared_dir() -> Path:
    """``../shared`` beside the checkout (provider fixtures, SpamAssassin), unless configured."""
    return Path(os.environ.get(ENV_SHARED_DIR) or CHECKOUT.parent / "shared")
