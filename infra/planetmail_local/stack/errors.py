"""The local stack's own error: the engine says what failed and how to fix it; the CLI shows it."""

from __future__ import annotations


class StackError(RuntimeError):
    """A stack step failed; the message reads '<what is wrong>; <how to fix it>'."""
