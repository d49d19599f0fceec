"""Lambda-style log lines, schedules and Invoke API function names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from planetmail_local.emulator.lambda_api import _function_name
from planetmail_local.emulator.model import Schedule
from planetmail_local.emulator.runtime.invocation import TIMEOUT_ERROR, Invocation, end_lines, start_line
from planetmail_local.emulator.schedule import rate_seconds, scheduled_event


def test_cold_report_carries_init_duration():
    lines = end_lines(Invocation("id-1", "null", None, 12.3, 45.6, 40), memory_size_mb=256)
    assert lines == [
        "END RequestId: id-1",
        "REPORT RequestId: id-1\tDuration: 12.30 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\t"
        "Max Memory Used: 40 MB\tInit Duration: 45.60 ms",
    ]
    assert start_line("id-1") == "START RequestId: id-1 Version: $LATEST"


def test_timeout_report_says_so_and_warm_report_has_no_init():
    report = end_lines(Invocation("id", "{}", TIMEOUT_ERROR, 3000.0), 128)[1]
    assert report.endswith("Status: timeout")
    assert "Init Duration" not in report


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(2 hours)", 7200), ("cron(0 12 * * ? *)", None)],
)
def test_rate_expressions(expression, seconds):
    assert rate_seconds(expression) == seconds


def test_scheduled_event_shape():
    event = scheduled_event(Schedule("Fn", "Poll", "rate(1 minute)"), datetime(2026, 1, 1, tzinfo=UTC))
    assert (event["detail-type"], event["source"], event["time"]) == (
        "Scheduled Event",
        "aws.events",
        "2026-01-01T00:00:00Z",
    )
    assert scheduled_event(Schedule("Fn", "Poll", "rate(1 minute)", {"a": 1})) == {"a": 1}


@pytest.mark.parametrize(
    "name",
    [
        "Fn",
        "Fn:$LATEST",
        "arn:aws:lambda:us-east-1:123456789012:function:Fn",
        "arn:aws:lambda:us-east-1:123456789012:function:Fn:live",
    ],
)
def test_invoke_api_accepts_names_and_arns(name):
    assert _function_name(name) == "Fn"
