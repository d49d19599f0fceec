"""Injected SMTP failures for fault tests: answer RCPT or DATA with a given reply for the next N commands."""

from __future__ import annotations

import dataclasses
import threading
from typing import Literal

Stage = Literal["rcpt", "data"]


@dataclasses.dataclass
class Fault:
    stage: Stage
    code: int
    message: str
    remaining: int | None
    """How many more commands fail; None fails until cleared."""

    @property
    def reply(self) -> str:
        return f"{self.code} {self.message}"


class FaultPlan:
    def __init__(self) -> None:
        self._faults: dict[Stage, Fault] = {}
        self._lock = threading.Lock()

    def set(self, fault: Fault) -> None:
        with self._lock:
            self._faults[fault.stage] = fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults.values())

    def take(self, stage: Stage) -> str | None:
        """The reply to send instead of accepting, or None; counts the failure down."""
        with self._lock:
            fault = self._faults.get(stage)
            if fault is None:
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[stage]
            return fault.reply
