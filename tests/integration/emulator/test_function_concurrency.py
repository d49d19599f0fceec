"""Reserved concurrency through boto3's Lambda client: how many worker processes a function gets."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import boto3
import httpx
import psutil
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from planetmail_local.bench.errors import BenchError
from planetmail_local.bench.workers import lambda_api, reserved_workers
from planetmail_local.emulator.runtime.concurrency import DEFAULT_WORKERS, MAX_WORKERS

pytestmark = pytest.mark.integration


@pytest.fixture
def lambda_client(emulator):
    return boto3.client("lambda", endpoint_url=emulator.lambda_url, region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local",
                        config=Config(retries={"max_attempts": 0}, read_timeout=15))


def echo_pids(lambda_client, calls: int) -> set[int]:
    def call(_: int) -> int:
        payload = lambda_client.invoke(FunctionName="EchoFunction", Payload=b"{}")["Payload"].read()
        return int(json.loads(payload)["pid"])

    with ThreadPoolExecutor(max_workers=calls) as pool:
        return set(pool.map(call, range(calls)))


def live_echo_workers() -> int:
    children = psutil.Process().children(recursive=True)
    return sum(1 for child in children if "fixture.echo.handler" in " ".join(child.cmdline()))


def test_a_function_without_a_reservation_reports_none_and_runs_the_default(lambda_client, emulator):
    assert "ReservedConcurrentExecutions" not in lambda_client.get_function_concurrency(
        FunctionName="EchoFunction")
    workers = httpx.get(f"{emulator.lambda_url}/_emulator/status").json()["workers"]
    assert workers["EchoFunction"] == DEFAULT_WORKERS


def test_one_reserved_worker_runs_every_invocation_in_one_process(lambda_client, emulator):
    echo_pids(lambda_client, 8)  # warm several workers first
    answer = lambda_client.put_function_concurrency(FunctionName="EchoFunction",
                                                    ReservedConcurrentExecutions=1)
    assert answer["ReservedConcurrentExecutions"] == 1
    assert live_echo_workers() <= 1, "idle workers beyond the new limit were kept"
    assert len(echo_pids(lambda_client, 8)) == 1
    assert lambda_client.get_function_concurrency(FunctionName="EchoFunction")[
        "ReservedConcurrentExecutions"] == 1
    assert httpx.get(f"{emulator.lambda_url}/_emulator/status").json()["workers"]["EchoFunction"] == 1


def test_deleting_the_reservation_goes_back_to_the_default(lambda_client, emulator):
    lambda_client.put_function_concurrency(FunctionName="EchoFunction", ReservedConcurrentExecutions=2)
    lambda_client.delete_function_concurrency(FunctionName="EchoFunction")
    assert "ReservedConcurrentExecutions" not in lambda_client.get_function_concurrency(
        FunctionName="EchoFunction")
    assert emulator.pool("EchoFunction").concurrency == DEFAULT_WORKERS


@pytest.mark.parametrize("workers", [0, MAX_WORKERS + 1])
def test_a_reservation_outside_the_range_is_refused_and_nothing_changes(lambda_client, emulator, workers):
    with pytest.raises(ClientError) as refused:
        lambda_client.put_function_concurrency(FunctionName="EchoFunction",
                                               ReservedConcurrentExecutions=workers)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert f"from 1 to {MAX_WORKERS}" in refused.value.response["Error"]["Message"]
    assert emulator.pool("EchoFunction").concurrency == DEFAULT_WORKERS


def test_an_unknown_function_has_no_concurrency(lambda_client):
    with pytest.raises(ClientError) as refused:
        lambda_client.put_function_concurrency(FunctionName="Ghost", ReservedConcurrentExecutions=1)
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_bench_workers_apply_to_every_function_for_the_run_then_are_put_back(lambda_client, emulator):
    lambda_client.put_function_concurrency(FunctionName="SleepFunction", ReservedConcurrentExecutions=3)
    with lambda_api(emulator.lambda_url) as api:
        with reserved_workers(api, 2):
            assert set(api.workers().values()) == {2}
        after = api.workers()
    assert after["SleepFunction"] == 3, "a function's own reservation was not put back"
    assert after["EchoFunction"] == DEFAULT_WORKERS
    assert "ReservedConcurrentExecutions" not in lambda_client.get_function_concurrency(
        FunctionName="EchoFunction")


def test_bench_names_the_lambda_api_it_could_not_reach():
    with lambda_api("http://127.0.0.1:9") as api, pytest.raises(BenchError, match="--lambda-url"):
        api.workers()
