"""The status API's read side: which step, if any, is the message's final state (no services)."""

from __future__ import annotations

from typing import Any

import pytest

from planetmail.status import final_outcome


def step(stage: str, state: str, reason: str | None = None) -> dict[str, Any]:
    detail = {"reason": reason} if reason else {}
    return {"stage": stage, "state": state, "at": "2026-12-05T10:00:00+00:00", "detail": detail}


RECEIVED, CLASSIFIED = step("collector", "received"), step("processor", "classified")


@pytest.mark.parametrize(("steps", "expected"), [
    ([RECEIVED, CLASSIFIED], None),
    ([RECEIVED, CLASSIFIED, step("responder", "acknowledged")], ("acknowledged", None)),
    ([RECEIVED, step("processor", "suppressed", "spam"), step("watchdog", "sla_breach")],
     ("suppressed", "spam")),
    ([RECEIVED, step("responder", "failed", "recipient_refused"), step("inbox", "noted")],
     ("failed", "recipient_refused")),
    ([RECEIVED, step("responder", "failed", "unknown_outcome"), step("responder", "retrying")], None),
    ([RECEIVED, step("responder", "failed", "unknown_outcome"), step("responder", "retrying"),
      step("responder", "acknowledged")], ("acknowledged", None)),
    ([step("config", "failed")], None),
])
def test_final_outcome(steps: list[dict[str, Any]], expected: tuple[str, str | None] | None) -> None:
    found = final_outcome(steps)
    assert found["final"] is (expected is not None)
    outcome = found["outcome"]
    assert (None if outcome is None else (outcome["state"], outcome["reason"])) == expected
