"""Kafka event-source mapping rules against the real broker, with the fixture's BatchFunction."""

from __future__ import annotations

import os
import signal
import time

import pytest
from emulator_kafka import committed, produce, read_topic, running_mapping, traced, wait_until

from planetmail.dead_letters import DeadLetter
from planetmail_local.emulator.errors import TemplateError
from planetmail_local.emulator.kafka.mapping import check_topics_exist

pytestmark = pytest.mark.integration


def test_poison_record_goes_to_the_destination_while_the_partition_moves_on(
    fixture_app, topic_prefix, trace_file, tmp_path
):
    topic = topic_prefix + "poison"
    produce(topic, [{"n": 0}, {"fail": "raise"}, {"n": 2}], headers=[("origin", "ñ".encode())])
    with running_mapping(fixture_app, topic, tmp_path) as (esm, _):
        wait_until(lambda: committed(topic, topic) == 3, what="commit past the poison record")
        status = esm.status()
    letters = read_topic(topic_prefix + "dlq", minimum=1)
    assert len(letters) == 1
    letter = DeadLetter.from_record(letters[0].offset, letters[0].key, letters[0].value, letters[0].headers)
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == (topic, 0, 1)
    assert (letter.attempts, letter.error) == (3, "RuntimeError: poison record in batch")
    assert letter.key == b"k"
    assert ("origin", "ñ".encode()) in letters[0].headers
    assert [t["offset"] for t in traced(trace_file)] == [0, 1, 1, 1, 2]
    assert (status["dead_lettered"], status["processed"]) == (1, 2)


def test_bisect_isolates_one_bad_record_in_a_batch_of_100(fixture_app, topic_prefix, trace_file, tmp_path):
    topic = topic_prefix + "bisect"
    produce(topic, [{"fail": "raise"} if n == 37 else {"n": n} for n in range(100)])
    with running_mapping(fixture_app, topic, tmp_path):
        wait_until(lambda: committed(topic, topic) == 100, what="commit past the batch")
    letters = read_topic(topic_prefix + "dlq", minimum=1)
    assert [(r.value, dict(r.headers)["x-source-offset"]) for r in letters] == [(b'{"fail": "raise"}', b"37")]
    delivered = {t["offset"] for t in traced(trace_file)}
    assert delivered == set(range(100))


def test_partial_failure_commits_exactly_up_to_the_failed_offset(
    fixture_app, topic_prefix, trace_file, tmp_path
):
    topic = topic_prefix + "partial"
    produce(topic, [{"fail": "report"} if n == 4 else {"n": n} for n in range(10)])
    with running_mapping(fixture_app, topic, tmp_path):
        wait_until(lambda: len(traced(trace_file)) >= 22, what="two redeliveries")
        committed_while_blocked = committed(topic, topic)
    offsets = [t["offset"] for t in traced(trace_file)]
    assert offsets[:10] == list(range(10))
    assert offsets[10:16] == list(range(4, 10))  # redelivered from the failure, not from the start
    assert committed_while_blocked == 4


def test_worker_killed_mid_batch_redelivers_the_batch(fixture_app, topic_prefix, trace_file, tmp_path):
    topic = topic_prefix + "killed"
    produce(topic, [{"sleep": 1.0, "n": 0}, *({"n": n} for n in range(1, 5))])
    with running_mapping(fixture_app, topic, tmp_path) as (esm, pool):
        wait_until(lambda: bool(pool.busy_pids()) and len(traced(trace_file)) >= 1, what="a busy worker")
        os.kill(pool.busy_pids()[0], signal.SIGKILL)
        wait_until(lambda: committed(topic, topic) == 5, what="the batch committed after redelivery")
        status = esm.status()
    offsets = [t["offset"] for t in traced(trace_file)]
    assert offsets.count(0) == 2
    assert set(offsets) == set(range(5))
    assert status["failed_invocations"] >= 1
    assert "Runtime.ExitError" in (tmp_path / "BatchFunction.log").read_text()


def test_filter_criteria_skip_records_but_commit_them(fixture_app, topic_prefix, trace_file, tmp_path):
    topic = topic_prefix + "filtered"
    produce(topic, [{"kind": "keep", "n": 0}, {"kind": "drop"}, {"n": 2}, {"kind": "keep", "n": 3}])
    with running_mapping(fixture_app, topic, tmp_path) as (esm, _):
        wait_until(lambda: committed(topic, topic) == 4, what="commit past the filtered records")
        status = esm.status()
    assert [t["offset"] for t in traced(trace_file)] == [0, 3]
    assert status["filtered"] == 2


def test_msk_mapping_sends_the_msk_event_source(fixture_app, topic_prefix, trace_file, tmp_path):
    topic = topic_prefix + "msk"
    produce(topic, [{"n": 0}])
    with running_mapping(fixture_app, topic, tmp_path):
        wait_until(lambda: committed(topic, topic) == 1, what="the MSK record committed")
    assert [t["eventSource"] for t in traced(trace_file)] == ["aws:kafka"]


@pytest.mark.slow
def test_pollers_grow_with_lag_up_to_the_partition_count_and_shrink_when_idle(
    fixture_app, topic_prefix, tmp_path
):
    topic = topic_prefix + "killed"
    produce(topic, [{"sleep": 0.05, "n": n} for n in range(120)])
    with running_mapping(fixture_app, topic, tmp_path, scale_interval=0.3) as (esm, _):
        most = 0

        def drained() -> bool:
            nonlocal most
            most = max(most, esm.status()["pollers"])
            return bool(committed(topic, topic) == 120)

        wait_until(drained, timeout=40, what="all records committed")
        wait_until(lambda: esm.status()["pollers"] == 1, timeout=10, what="pollers shrinking when idle")
    assert 1 < most <= 3


def test_missing_topic_names_the_mapping_and_the_fix(fixture_app, topic_prefix):
    mapping = next(m for m in fixture_app.kafka_mappings if m.topics[0].endswith("partial"))
    absent = mapping.__class__(**{**mapping.__dict__, "topics": (topic_prefix + "absent",)})
    with pytest.raises(TemplateError, match=r"topic '.*absent' does not exist on 127.0.0.1:9092; create it"):
        check_topics_exist(absent, {"bootstrap_servers": ["127.0.0.1:9092"]})


def test_records_past_the_maximum_age_go_to_the_destination_without_retries(
    fixture_app, topic_prefix, trace_file, tmp_path
):
    topic = topic_prefix + "aged"
    two_minutes_ago = int((time.time() - 120) * 1000)
    produce(topic, [{"fail": "raise"}], timestamp_ms=two_minutes_ago)
    produce(topic, [{"n": 1}])
    with running_mapping(fixture_app, topic, tmp_path):
        wait_until(lambda: committed(topic, topic) == 2, what="commit past the expired record")
    letters = read_topic(topic_prefix + "dlq", minimum=1)
    headers = dict(letters[0].headers)
    assert headers["x-error"].startswith(b"MaximumRecordAgeInSeconds exceeded")
    assert headers["x-attempts"] == b"1"
    offsets = [t["offset"] for t in traced(trace_file)]
    assert offsets.count(0) == 1  # not retried; the young record is, when it shared the batch
    assert offsets[-1] == 1
