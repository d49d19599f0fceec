"""Faults inside the pipeline itself: function workers killed mid-batch, and a poison record on every
topic a Kafka mapping consumes, which ``planetmail dlq list`` then shows, and ``planetmail dlq replay``
bringing a refused acknowledgement back once the cause is fixed (issue 9, fault suite).
Traffic: ``PLANETMAIL_FAULT_MESSAGES`` (default 600) messages at ``PLANETMAIL_FAULT_RATE`` (default 20/s).

The poison goes to every topic a mapping consumes. The topics the processor and responder own
(``mail.received``, ``mail.ack``) dead-letter it: a record that is not a message is that message's final,
visible state. The inbox indexer is a read model of those same records (``mail.received``,
``mail.events``): it logs and skips what it cannot read, and the proof is that its partitions keep
moving. ``mail.classified.*`` has no consumer in template.yaml (it is for downstream teams).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import psutil
import pytest
from e2e_support import CREDENTIALS, genuine_corpus
from fault_pipeline import FaultPipeline
from fault_traffic import FaultWindow, TrafficPlan, in_doubt, observe, settle, steady_traffic

from planetmail.dead_letters import DeadLetter
from planetmail.kafka import make_producer
from planetmail_local.bench.traffic import TrafficMix
from planetmail_local.dead_letter_queue import DeadLetterQueue

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.faults]

POISON = b"\xff\xfe not a planetmail record \x00"
HANDLERS = {"ProcessorFunction": "processor.handler.handler",
            "ResponderFunction": "responder.handler.handler"}


def test_function_workers_killed_mid_batch(pipeline: FaultPipeline, traffic_plan: TrafficPlan):
    with steady_traffic(pipeline, traffic_plan, seed=5) as sender:
        sender.wait_for(traffic_plan.messages // 3)
        window = FaultWindow()
        killed = [_kill_busy_worker(pipeline, function) for function in HANDLERS]
        window.lift()
    assert all(killed), "no batch was in flight to interrupt"
    fault = f"function workers kill -9 mid-batch ({sum(killed)} killed)"
    settle(pipeline, sender, window, fault)
    # Anything that ran out of retries while its claim was held waits on mail.dlq: the operator's fix.
    replayed = pipeline.replay_dead_letters()
    figures = settle(pipeline, sender, window, f"{fault}, then {replayed} dead letters replayed")
    doubtful = in_doubt(pipeline, figures)
    assert len(doubtful) <= killed[-1], "at most one reply in doubt per killed responder worker"
    figures.assert_exactly_once(doubtful)


def test_poison_records_go_to_the_dead_letter_queue_without_blocking(
        pipeline: FaultPipeline, traffic_plan: TrafficPlan):
    mappings = pipeline.mapping_status().values()
    consumed = sorted({topic for mapping in mappings for topic in mapping["topics"]})
    owned = sorted({topic for mapping in mappings if mapping["function"] in HANDLERS
                    for topic in mapping["topics"]})
    with steady_traffic(pipeline, traffic_plan, seed=6) as sender:
        sender.wait_for(traffic_plan.messages // 3)
        window = FaultWindow()
        _produce_poison(pipeline, consumed)
        window.lift()
    settle(pipeline, sender, window, f"poison record on {', '.join(consumed)}").assert_exactly_once()

    poisoned = _wait_for_dead_letters(pipeline, lambda letter: letter.value == POISON, len(owned))
    assert sorted(letter.source_topic for letter in poisoned) == owned
    assert all(letter.error for letter in poisoned), [letter.error for letter in poisoned]
    listing = pipeline.planetmail("dlq", "list")
    assert all(topic in listing for topic in owned), listing
    assert _read_models_caught_up(pipeline), pipeline.mapping_status()


def _read_models_caught_up(pipeline: FaultPipeline, timeout_s: float = 60) -> bool:
    """Whether every mapping of a function that skips poison (the inbox indexer) drains to no lag."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        lagging = [m for m in pipeline.mapping_status().values()
                   if m["function"] not in HANDLERS and (m["lag"] or m["batches_in_flight"])]
        if not lagging:
            return True
        time.sleep(1)
    return False


def test_dlq_replay_sends_a_refused_acknowledgement_once_the_cause_is_fixed(pipeline: FaultPipeline):
    """The server refuses the content (554 at DATA: not about the address), so the record ends on mail.dlq;
    once that is fixed, ``planetmail dlq replay --offset N`` brings it back and it is sent once."""
    sink = pipeline.config.smtp_viewer_url
    httpx.put(f"{sink}/api/faults", json={"stage": "data", "code": 554, "message": "content refused"},
              timeout=10).raise_for_status()
    try:
        tracking_id = _send_one(pipeline)
        (failed,) = _wait_for_dead_letters(pipeline, lambda letter: tracking_id.encode() in letter.value, 1)
    finally:
        httpx.delete(f"{sink}/api/faults", timeout=10).raise_for_status()
    assert failed.source_topic.endswith("mail.ack") and failed.error, failed
    assert not observe(pipeline).acks.get(tracking_id)

    pipeline.planetmail("dlq", "replay", "--offset", str(failed.offset))
    deadline = time.monotonic() + 60
    while not observe(pipeline).acks.get(tracking_id) and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(3)
    assert len(observe(pipeline).acks.get(tracking_id, [])) == 1


def _send_one(pipeline: FaultPipeline) -> str:
    request = next(TrafficMix(genuine_corpus(), CREDENTIALS, auto_reply_share=0.0, seed=8).requests())
    with httpx.Client(base_url=pipeline.api_url, timeout=30) as client:
        response = client.post(request.path, headers=request.headers, content=request.content,
                               json=request.json_body, data=request.form)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def _kill_busy_worker(pipeline: FaultPipeline, function: str, timeout_s: float = 120) -> int:
    """kill -9 the function's workers while the emulator reports a batch in flight; how many died.

    The responder's first batch after the processor was killed waits for a new processor worker's cold
    start (the model and 27 language models); on a slow 2-core machine that took longer than 30 s and
    the test found no responder batch in flight, so the wait is generous (it ends at the first batch)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        in_flight = any(m["batches_in_flight"] for name, m in pipeline.mapping_status().items()
                        if name.startswith(function))
        workers = pipeline.workers(HANDLERS[function])
        if in_flight and workers:
            for worker in workers:
                worker.kill()
            psutil.wait_procs(workers, timeout=10)
            return len(workers)
        time.sleep(0.05)
    return 0


def _produce_poison(pipeline: FaultPipeline, topics: list[str]) -> None:
    producer = make_producer(pipeline.settings)
    try:
        for topic in topics:
            producer.send(topic, key=b"poison", value=POISON).get(timeout=30)
    finally:
        producer.close()


def _wait_for_dead_letters(pipeline: FaultPipeline, wanted: Callable[[DeadLetter], bool], count: int,
                           timeout_s: float = 90) -> list[DeadLetter]:
    queue = DeadLetterQueue(pipeline.settings)
    deadline = time.monotonic() + timeout_s
    while True:
        found = [letter for letter in queue.read()[0] if wanted(letter)]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(1)
