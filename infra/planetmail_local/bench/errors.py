"""The benchmarks' own error: the engine says what failed and how to fix it; the CLI shows it."""

from __future__ import annotations


class BenchError(RuntimeError):
    """A benchmark cannot run; the message reads '<what is wrong>; <how to fix it>'."""
