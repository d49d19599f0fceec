"""CPU per message by part of the stack, from two snapshots (pure arithmetic, no processes)."""

from __future__ import annotations

from planetmail_local.bench.cpu import CpuSnapshot, per_message, spent


def test_spent_time_is_split_by_part_and_divided_by_messages() -> None:
    before = CpuSnapshot({(1, 1.0): ("moto", 2.0), (2, 1.0): ("collector.app", 1.0)}, {"emulator": 0.0})
    after = CpuSnapshot({(1, 1.0): ("moto", 3.0), (2, 1.0): ("collector.app", 1.5),
                         (3, 9.0): ("collector.app", 0.5)}, {"emulator": 0.0})
    assert per_message(spent(before, after), 100) == {"moto": 10.0, "collector.app": 10.0, "total": 20.0}


def test_a_reused_pid_is_a_new_process_and_exited_children_count() -> None:
    before = CpuSnapshot({(7, 1.0): ("responder.handler", 40.0)}, {"emulator": 1.0})
    after = CpuSnapshot({(7, 2.0): ("responder.handler", 0.25)}, {"emulator": 1.5})
    assert per_message(spent(before, after), 50) == {
        "emulator (exited children)": 10.0, "responder.handler": 5.0, "total": 15.0}


def test_no_messages_does_not_divide_by_zero() -> None:
    snapshot = CpuSnapshot({(1, 1.0): ("kafka", 1.0)}, {})
    assert per_message(spent(snapshot, snapshot), 0) == {"kafka": 0.0, "total": 0.0}


def test_the_idle_rate_over_the_run_is_taken_off_but_never_below_zero() -> None:
    run = {"kafka": 3.0, "emulator": 0.1}
    figures = per_message(run, 100, idle_per_s={"kafka": 0.05, "emulator": 0.01}, elapsed=20.0)
    assert figures == {"kafka": 20.0, "emulator": 0.0, "total": 20.0}
