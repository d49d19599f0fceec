"""How many examples a property test draws: its everyday count, times ``PLANETMAIL_FUZZ_SCALE``.

The suite draws 100-300 examples per property so that ``make test`` stays fast. Hypothesis draws new
inputs every run, so each run explores a little more, but slowly: a 500 on hostile MIME stayed latent
for sessions before one run drew it. ``make fuzz`` runs only the property tests with the scale raised
(20 by default), the soak a developer or a nightly job runs; the everyday suite runs with scale 1.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

SCALE_VARIABLE = "PLANETMAIL_FUZZ_SCALE"
MAX_SCALE = 1000


class FuzzScaleError(ValueError):
    """The scale variable is set to something that is not a usable multiplier."""


def fuzz_scale(environ: Mapping[str, str] = os.environ) -> int:
    """The multiplier from the environment: 1 when unset."""
    text = environ.get(SCALE_VARIABLE, "").strip()
    if not text:
        return 1
    if not text.isdecimal() or not 1 <= int(text) <= MAX_SCALE:
        raise FuzzScaleError(f"{SCALE_VARIABLE} must be a whole number from 1 to {MAX_SCALE}, not {text!r}; "
                             f"e.g. make fuzz FUZZ_SCALE=20")
    return int(text)


def examples(everyday: int, environ: Mapping[str, str] = os.environ) -> int:
    """``everyday`` examples times the scale (an invalid scale is refused before collection, in conftest)."""
    try:
        return everyday * fuzz_scale(environ)
    except FuzzScaleError:
        return everyday
