"""Worker processes: cold then warm, context, layers, timeout and crash isolation, Lambda log lines."""

from __future__ import annotations

import dataclasses
import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from planetmail_local.emulator.runtime.pool import FunctionPool

pytestmark = pytest.mark.integration


@pytest.fixture
def pools(http_app, tmp_path):
    created: list[FunctionPool] = []

    def make(name: str, **changes: object) -> FunctionPool:
        spec = dataclasses.replace(http_app.functions[name], **changes)
        created.append(FunctionPool(spec, tmp_path))
        return created[-1]

    yield make
    for pool in created:
        pool.close()


def test_cold_start_once_then_warm_in_the_same_process(pools, tmp_path):
    pool = pools("EchoFunction")
    cold, warm = pool.invoke({"n": 1}), pool.invoke({"n": 2})
    assert cold.init_ms is not None and cold.init_ms > 0
    assert warm.init_ms is None
    first, second = cold.result(), warm.result()
    assert first["pid"] == second["pid"]
    assert second["event"] == {"n": 2}
    assert (second["function_name"], second["memory_limit_in_mb"], second["layer"]) == (
        "EchoFunction",
        128,
        "fixture-layer",
    )
    assert 0 < second["remaining_ms"] <= 5000
    assert second["request_id"] == warm.request_id
    log = (tmp_path / "EchoFunction.log").read_text()
    reports = re.findall(
        r"REPORT RequestId: (\S+)\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 128 MB\tMax Memory Used: \d+ MB(\tInit Duration: [\d.]+ ms)?",
        log,
    )
    assert [(request, bool(init)) for request, init in reports] == [
        (cold.request_id, True),
        (warm.request_id, False),
    ]
    assert log.count("START RequestId:") == log.count("END RequestId:") == 2


def test_timeout_kills_and_replaces_the_worker(pools, tmp_path):
    pool = pools("SleepFunction")
    timed_out = pool.invoke({"seconds": 5})
    assert timed_out.timed_out
    assert json.loads(timed_out.payload)["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert pool.invoke({"seconds": 0}).result() == {"slept": True}
    log = (tmp_path / "SleepFunction.log").read_text()
    assert "Status: timeout" in log
    assert log.count("Init Duration") == 2  # the replacement started cold


def test_crashing_handler_never_takes_the_emulator_down(pools):
    crash = pools("CrashFunction")
    outcome = crash.invoke({})
    assert outcome.error_type == "Runtime.ExitError"
    assert "exit status 7" in outcome.payload
    assert crash.invoke({}).error_type == "Runtime.ExitError"
    assert pools("EchoFunction").invoke({"still": "up"}).result()["event"] == {"still": "up"}


def test_handler_exception_is_a_lambda_error_document(pools):
    failure = pools("FailFunction").invoke({})
    document = failure.result()
    assert (failure.error_type, document["errorType"], document["errorMessage"]) == (
        "ValueError",
        "ValueError",
        "the fixture always fails",
    )
    assert any("fail.py" in frame for frame in document["stackTrace"])
    assert not any("worker.py" in frame for frame in document["stackTrace"])


def test_missing_handler_function_is_an_import_error(pools):
    broken = pools("EchoFunction", handler="fixture.echo.missing")
    outcome = broken.invoke({})
    assert outcome.error_type == "Runtime.ImportModuleError"
    assert "missing" in outcome.result()["errorMessage"]


def test_handler_output_lands_in_the_function_log(pools, tmp_path):
    pools("FailFunction").invoke({})
    assert "ValueError: the fixture always fails" in (tmp_path / "FailFunction.log").read_text()


def test_concurrent_invocations_get_their_own_workers(pools):
    pool = pools("SleepFunction")
    with ThreadPoolExecutor(2) as executor:
        outcomes = list(executor.map(lambda _: pool.invoke({"seconds": 0.5}), range(2)))
    assert all(o.result() == {"slept": True} for o in outcomes)
    assert all(o.init_ms is not None for o in outcomes)


def test_a_relative_log_folder_is_the_callers_not_the_functions(http_app, tmp_path, monkeypatch):
    """``planetmail start --log-dir .planetmail/logs`` (the default) from the project folder: workers run
    in their code folder, so a relative path must not be handed to them as it is."""
    monkeypatch.chdir(tmp_path)
    pool = FunctionPool(http_app.functions["EchoFunction"], tmp_path.relative_to(tmp_path) / "logs")
    try:
        assert pool.invoke({"n": 1}).result()["event"] == {"n": 1}
    finally:
        pool.close()
    assert "START RequestId" in (tmp_path / "logs" / "EchoFunction.log").read_text()
