"""The generated corpus's split into training and held-out groups, for tooling outside training.

The benchmark tells apart the spam the model never trained on; the rule itself stays the training
engine's (``retrain.examples``), which only the model builders of the tooling import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from retrain.examples import group_of, is_held_out


def held_out_line(line: Mapping[str, Any]) -> bool:
    """Whether training keeps this corpus line's group out of the model (its held-out fifth)."""
    return is_held_out(group_of(line))
