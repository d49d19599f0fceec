import threading

import pytest

from planetmail_local.emulator.runtime.concurrency import MAX_WORKERS, ConcurrencyLimit, checked_workers


def hold(limit: ConcurrencyLimit, entered: threading.Event, leave: threading.Event) -> threading.Thread:
    def run() -> None:
        with limit.slot():
            entered.set()
            leave.wait(5)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_no_more_than_the_limit_run_at_once():
    limit, leave = ConcurrencyLimit(2), threading.Event()
    entered = [threading.Event() for _ in range(3)]
    threads = [hold(limit, event, leave) for event in entered]
    assert entered[0].wait(2) and entered[1].wait(2)
    assert not entered[2].wait(0.2), "a third invocation ran beside two with a limit of 2"
    assert limit.running == 2
    leave.set()
    assert entered[2].wait(2)
    for thread in threads:
        thread.join(2)
    assert limit.running == 0


def test_raising_the_limit_admits_a_waiting_invocation_at_once():
    limit, leave = ConcurrencyLimit(1), threading.Event()
    first, second = threading.Event(), threading.Event()
    hold(limit, first, leave)
    assert first.wait(2)
    hold(limit, second, leave)
    assert not second.wait(0.2)
    limit.set(2)
    assert second.wait(2), "the waiting invocation still waits after the limit was raised"
    leave.set()


def test_lowering_the_limit_lets_running_ones_finish_and_admits_none_until_below_it():
    limit = ConcurrencyLimit(2)
    leave_first, leave_second = threading.Event(), threading.Event()
    first, second, third = threading.Event(), threading.Event(), threading.Event()
    hold(limit, first, leave_first)
    hold(limit, second, leave_second)
    assert first.wait(2) and second.wait(2)
    limit.set(1)
    hold(limit, third, threading.Event())
    leave_first.set()
    assert not third.wait(0.3), "admitted while as many as the new limit still ran"
    leave_second.set()
    assert third.wait(2)


@pytest.mark.parametrize("value", [0, -1, MAX_WORKERS + 1, 2.5, "4", True, None])
def test_a_worker_count_outside_the_range_is_refused_with_the_range(value):
    with pytest.raises(ValueError, match=f"from 1 to {MAX_WORKERS}"):
        checked_workers(value)


def test_a_worker_count_in_range_is_returned():
    assert checked_workers(1) == 1 and checked_workers(MAX_WORKERS) == MAX_WORKERS
