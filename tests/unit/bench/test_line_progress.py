"""Progress off a terminal (CI logs, ``| tee``): a line every interval and the final count, where rich's
bars would print nothing until the end."""

from __future__ import annotations

import io

from rich.console import Console
from rich.progress import Progress

from planetmail_local.cli.progress import LineProgress, progress_bars


def test_a_pipe_gets_lines_and_a_terminal_gets_rich_bars() -> None:
    piped = Console(file=io.StringIO(), force_terminal=False)
    terminal = Console(file=io.StringIO(), force_terminal=True)
    assert isinstance(progress_bars(piped), LineProgress)
    assert isinstance(progress_bars(terminal), Progress)


def test_lines_come_while_the_work_runs_and_the_last_one_is_the_final_count() -> None:
    output = io.StringIO()
    now = [100.0]
    with LineProgress(Console(file=output, force_terminal=False, width=200), interval_s=10,
                      clock=lambda: now[0]) as bars:
        sending = bars.add_task("sending", total=30)
        for _ in range(10):
            bars.advance(sending)
        assert output.getvalue() == ""  # within the interval: nothing yet
        now[0] += 12
        bars.advance(sending)  # an interval has passed: a line now, before the end
        assert output.getvalue().split() == ["sending", "11/30", "(12", "s)"]
        bars.update(sending, completed=30)
    lines = output.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[-1].split()[:2] == ["sending", "30/30"]


def test_nothing_is_printed_between_intervals() -> None:
    output = io.StringIO()
    bars = LineProgress(Console(file=output, force_terminal=False), interval_s=60)
    task = bars.add_task("settled", total=None)
    for done in range(100):
        bars.update(task, completed=done)
    assert output.getvalue() == ""
