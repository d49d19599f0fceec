"""StartingPosition LATEST and AT_TIMESTAMP, and committed offsets winning over both."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from emulator_kafka import BOOTSTRAP, committed, produce, running_mapping, traced, wait_until

from planetmail_local.emulator.template import load_application

pytestmark = pytest.mark.integration


def _values(trace_file: Path) -> list[str]:
    return [t["value"]["n"] for t in traced(trace_file)]


def test_latest_skips_older_records_then_committed_offsets_win(
    fixture_app, topic_prefix, trace_file, tmp_path
):
    topic = topic_prefix + "latest"
    produce(topic, [{"n": "before"}])
    with running_mapping(fixture_app, topic, tmp_path):
        sent = 0

        def delivered() -> bool:
            nonlocal sent
            produce(topic, [{"n": f"after-{sent}"}])  # until the poller, positioned at the end, sees one
            sent += 1
            time.sleep(0.3)
            return bool(traced(trace_file))

        wait_until(delivered, what="a record produced after the mapping started")
        wait_until(lambda: committed(topic, topic) == sent + 1, what="everything after the start committed")
    assert "before" not in _values(trace_file)
    produce(topic, [{"n": "while stopped"}])
    with running_mapping(fixture_app, topic, tmp_path):
        wait_until(lambda: "while stopped" in _values(trace_file), what="the record produced while stopped")


def test_at_timestamp_starts_at_the_first_record_after_it(fixture_app, topic_prefix, trace_file, tmp_path):
    topic = topic_prefix + "attimestamp"
    produce(topic, [{"n": "old"}])
    time.sleep(1.0)
    start = time.time()
    time.sleep(0.2)
    produce(topic, [{"n": "new"}])
    app = load_application(
        fixture_app.template_path,
        {"TopicPrefix": topic_prefix, "StartTimestamp": f"{start:.3f}"},
        {"Parameters": {"TRACE_FILE": str(trace_file)}},
        kafka_bootstrap=BOOTSTRAP,
    )
    with running_mapping(app, topic, tmp_path):
        wait_until(lambda: committed(topic, topic) == 2, what="the new record committed")
    assert _values(trace_file) == ["new"]
