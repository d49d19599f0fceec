"""Progress of a long-running command: rich's bars on a terminal, a line every few seconds elsewhere.

Rich draws nothing on a pipe or a file until a bar is finished, so a benchmark run from CI, cron or
``| tee`` would look hung for minutes; ``LineProgress`` prints what the bar would show instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

LINE_INTERVAL_S = 10.0


class Bars(Protocol):
    def __enter__(self) -> Bars: ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None: ...

    def add_task(self, description: str, /, *, total: float | None = ...) -> Any: ...

    def advance(self, task: Any, /) -> None: ...

    def update(self, task: Any, /, *, completed: float | None = ...) -> None: ...


def progress_bars(console: Console) -> Bars:
    if console.is_terminal:
        return Progress(TextColumn("{task.description:>12}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console)
    return LineProgress(console)


class _Task:
    def __init__(self, description: str, total: float | None, now: float) -> None:
        self.description = description
        self.total = total
        self.completed = 0.0
        self.started = self.printed = now


class LineProgress:
    def __init__(self, console: Console, interval_s: float = LINE_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._console = console
        self._interval_s = interval_s
        self._clock = clock
        self._tasks: list[_Task] = []

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        for task in self._tasks:
            self._print(task)

    def add_task(self, description: str, *, total: float | None = None) -> int:
        self._tasks.append(_Task(description, total, self._clock()))
        return len(self._tasks) - 1

    def advance(self, task: int, advance: float = 1) -> None:
        self.update(task, completed=self._tasks[task].completed + advance)

    def update(self, task: int, *, completed: float | None = None) -> None:
        state = self._tasks[task]
        if completed is not None:
            state.completed = completed
        if self._clock() - state.printed >= self._interval_s:
            self._print(state)

    def _print(self, task: _Task) -> None:
        task.printed = self._clock()
        total = "?" if task.total is None else f"{task.total:.0f}"
        self._console.print(f"{task.description:>12} {task.completed:.0f}/{total} "
                            f"({task.printed - task.started:.0f} s)", highlight=False)
