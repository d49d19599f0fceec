"""The per-recipient cap on a real DynamoDB table: it counts messages, not deliveries."""

from __future__ import annotations

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
