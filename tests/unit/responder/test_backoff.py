from __future__ import annotations

import pytest

from responder.senders.backoff import Backoff


def test_default_backoff_doubles_and_fits_well_inside_the_sla() -> None:
    delays = Backoff().delays()
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0]
    assert sum(delays) < 300


@pytest.mark.parametrize(("backoff", "expected"), [
    (Backoff(attempts=1), []),
    (Backoff(attempts=4, first_delay=1, max_delay=2), [1, 2, 2]),
    (Backoff(attempts=10, first_delay=4, budget_seconds=10), [4, 6]),
])
def test_backoff_is_bounded(backoff: Backoff, expected: list[float]) -> None:
    assert backoff.delays() == expected
