"""The per-recipient cap on a real DynamoDB table: it counts messages, not deliveries."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from planetmail.settings import Settings
from responder.recipients import RecipientCap

pytestmark = pytest.mark.integration


def test_redeliveries_of_one_message_count_once_and_the_fourth_message_is_refused(
        responder_settings: Settings) -> None:
    cap = RecipientCap(responder_settings, clock=lambda: 1_800_000_000.0)
    retried = [cap.admit("Reader@Example.com", 3, 600, "T1") for _ in range(5)]
    others = [cap.admit("reader@example.com", 3, 600, tracking_id) for tracking_id in ("T2", "T3", "T4")]
    assert retried == [True] * 5, "a message retried while the server was down stays under its own cap"
    assert others == [True, True, False]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_an_admitted_message_stays_admitted_after_later_ones_filled_the_window(
        responder_settings: Settings) -> None:
    cap = RecipientCap(responder_settings, clock=lambda: 1_800_000_000.0)
    assert [cap.admit("ann@example.com", 3, 600, t) for t in ("T1", "T2", "T3", "T4")] == [True] * 3 + [False]
    assert cap.admit("ann@example.com", 3, 600, "T1"), "the redelivery of T1 must not be refused"
    assert not cap.admit("ann@example.com", 3, 600, "T4")


def test_the_window_slides_instead_of_resetting_at_a_boundary(responder_settings: Settings) -> None:
    clock = Clock(1_800_000_590.0)  # ten seconds before a multiple of 600: a fixed window's edge
    cap = RecipientCap(responder_settings, clock=clock)
    assert all(cap.admit("bo@example.com", 3, 600, t) for t in ("A", "B", "C"))
    clock.now += 11  # a fixed window would have started afresh here
    assert not cap.admit("bo@example.com", 3, 600, "D")
    clock.now += 600
    assert cap.admit("bo@example.com", 3, 600, "E")


def test_sub_addresses_and_case_count_as_one_mailbox(responder_settings: Settings) -> None:
    cap = RecipientCap(responder_settings, clock=lambda: 1_800_000_000.0)
    addresses = ["cy+a@example.com", "Cy+b@Example.com", "<cy@example.com>", "cy+c@example.com"]
    assert [cap.admit(a, 3, 600, f"M{i}") for i, a in enumerate(addresses)] == [True, True, True, False]


def test_concurrent_admissions_never_exceed_the_cap(responder_settings: Settings) -> None:
    cap = RecipientCap(responder_settings)
    with ThreadPoolExecutor(max_workers=8) as pool:
        admitted = list(pool.map(lambda i: cap.admit("di@example.com", 3, 600, f"C{i}"), range(8)))
    assert sum(admitted) == 3


def test_a_batch_read_ahead_gone_stale_never_lets_the_cap_be_exceeded(responder_settings: Settings) -> None:
    """A worker read its batch's windows; another then filled the window: the write's version check wins."""
    worker, other = (RecipientCap(responder_settings, clock=lambda: 1_800_000_000.0) for _ in range(2))
    worker.look_up(["cy@example.com", "dee@example.com"])
    assert all(other.admit("cy@example.com", 3, 600, t) for t in ("A", "B", "C"))
    assert not worker.admit("cy@example.com", 3, 600, "D")
    assert [worker.admit("dee@example.com", 2, 600, t) for t in ("A", "B", "C")] == [True, True, False]


def test_a_read_ahead_that_misses_an_earlier_delivery_of_the_message_still_admits_it(
        responder_settings: Settings) -> None:
    """The window looked full only because the read predates the message's own earlier admission."""
    worker, other = (RecipientCap(responder_settings, clock=lambda: 1_800_000_000.0) for _ in range(2))
    assert all(other.admit("eve@example.com", 2, 600, t) for t in ("A",))
    worker.look_up(["eve@example.com"])
    assert other.admit("eve@example.com", 2, 600, "T1")
    assert worker.admit("eve@example.com", 2, 600, "T1"), "a redelivery must not be refused by a stale read"
