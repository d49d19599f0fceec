"""Emulator figures: ``python -m planetmail_local.bench.emulator [--records N] [--invocations N]``.

Warm invocation overhead against calling the handler directly (median µs), cold start (median ms), and
Kafka event-source mapping throughput with a no-op handler against a bare kafka-python consumer reading
the same topic in the same run (records/s and their ratio). Needs the local stack's Kafka broker (its
address and credentials come from the settings, as for every planetmail client).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kafka import TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError

from planetmail.kafka import connection_options, make_admin, make_consumer, make_producer
from planetmail.settings import Settings
from planetmail_local.emulator.kafka.mapping import KafkaEventSourceMapping
from planetmail_local.emulator.model import FunctionSpec, KafkaMapping
from planetmail_local.emulator.runtime.context import LambdaContext
from planetmail_local.emulator.runtime.invocation import Invocation
from planetmail_local.emulator.runtime.pool import FunctionPool

NOOP_HANDLER = "def handler(event, context):\n    return None\n"
STALL_SECONDS = 60.0
EVENT = {"version": "2.0", "rawPath": "/healthz", "headers": {"host": "localhost"}, "body": "x" * 200}


def _median_us(call: Callable[[], Any], times: int) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1e6)
    return statistics.median(samples)


def invocation_figures(
    spec: FunctionSpec, log_dir: Path, invocations: int, cold_starts: int
) -> dict[str, float]:
    namespace: dict[str, Any] = {}
    exec(NOOP_HANDLER, namespace)  # noqa: S102 - the same two lines the worker imports
    context = LambdaContext(
        function_name="Noop",
        memory_limit_in_mb=128,
        invoked_function_arn=spec.arn,
        aws_request_id="bench",
        deadline_epoch_seconds=time.time() + 3,
    )
    direct = _median_us(lambda: namespace["handler"](EVENT, context), invocations)
    pool = FunctionPool(spec, log_dir, concurrency=1)
    try:
        pool.invoke(EVENT)
        warm = _median_us(lambda: pool.invoke(EVENT), invocations)
    finally:
        pool.close()
    colds = []
    for _ in range(cold_starts):
        fresh = FunctionPool(spec, log_dir, concurrency=1)
        try:
            colds.append(fresh.invoke(EVENT).init_ms or 0.0)
        finally:
            fresh.close()
    return {
        "direct_us": direct,
        "warm_us": warm,
        "overhead_us": warm - direct,
        "cold_start_ms": statistics.median(colds),
    }


def throughput_figures(
    spec: FunctionSpec, log_dir: Path, settings: Settings, records: int
) -> dict[str, float]:
    """Against the stack's broker, connecting as every planetmail client does (``up --secure`` too)."""
    topic = f"bench.emulator.{uuid.uuid4().hex[:8]}"
    admin = make_admin(settings)
    admin.create_topics([NewTopic(topic, 1, 1)])
    try:
        _fill(topic, settings, records)
        bare = _bare_consumer_rate(topic, settings, records)
        emulated = _mapping_rate(spec, log_dir, topic, settings, records)
    finally:
        admin.delete_topics([topic])
        admin.close()
    return {"records": records, "bare_consumer_per_s": bare, "esm_per_s": emulated, "ratio": emulated / bare}


def _fill(topic: str, settings: Settings, records: int) -> None:
    producer = make_producer(settings, linger_ms=20, batch_size=256 * 1024)
    value = b'{"id": "bench", "schema": "planetmail.email/v1", "subject": "' + b"x" * 150 + b'"}'
    for n in range(records):
        producer.send(topic, value, key=str(n % 97).encode())
    producer.flush()
    producer.close()


def _bare_consumer_rate(topic: str, settings: Settings, records: int) -> float:
    consumer = make_consumer(settings, group_id=None, max_poll_records=1000)
    consumer.assign([TopicPartition(topic, 0)])
    started = time.perf_counter()
    seen = 0
    while seen < records:
        seen += sum(len(batch) for batch in consumer.poll(timeout_ms=500).values())
    elapsed = time.perf_counter() - started
    consumer.close()
    return records / elapsed


def _mapping_rate(spec: FunctionSpec, log_dir: Path, topic: str, settings: Settings, records: int) -> float:
    mapping = KafkaMapping(
        name=f"Noop:{topic}",
        function="Noop",
        topics=(topic,),
        source="SelfManagedKafka",
        bootstrap_servers=settings.kafka_bootstrap,
        consumer_group=f"{topic}.esm",
        batch_size=1000,
        batching_window_seconds=0.1,
    )
    pool = FunctionPool(spec, log_dir, concurrency=1)
    pool.invoke(EVENT)  # warm, so the rate is the mapping's, not one cold start
    first_call: list[float] = []

    def invoke(event: Any) -> Invocation:
        """The clock starts at the first batch: the consumer-group join is not throughput."""
        if not first_call:
            first_call.append(time.perf_counter())
        return pool.invoke(event)

    esm = KafkaEventSourceMapping(mapping, invoke, connection_options(settings))
    esm.start()
    try:
        _wait_for(lambda: esm.counters.snapshot()["processed"], records)
        return records / (time.perf_counter() - first_call[0])
    finally:
        esm.stop()
        pool.close()


def _wait_for(processed: Callable[[], int], records: int, stall_seconds: float = STALL_SECONDS) -> None:
    """Until every record was processed; a mapping that stops making progress is an error, not a hang."""
    seen, moved_at = -1, time.monotonic()
    while (now := processed()) < records:
        if now != seen:
            seen, moved_at = now, time.monotonic()
        elif time.monotonic() - moved_at > stall_seconds:
            raise RuntimeError(f"the event-source mapping processed {now} of {records} records and then "
                               f"nothing for {stall_seconds:.0f} s; see the emulator's log")
        time.sleep(0.01)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local FaaS emulator benchmark.")
    parser.add_argument("--invocations", type=int, default=500)
    parser.add_argument("--cold-starts", type=int, default=10)
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="planetmail-bench-") as scratch:
        root = Path(scratch)
        (root / "noop.py").write_text(NOOP_HANDLER)
        spec = FunctionSpec(name="Noop", handler="noop.handler", code_dir=root, timeout_seconds=30)
        calls = invocation_figures(spec, root / "logs", args.invocations, args.cold_starts)
        print(
            f"warm invocation: {calls['warm_us']:.0f} µs median vs direct call {calls['direct_us']:.1f} µs "
            f"(overhead {calls['overhead_us']:.0f} µs, {args.invocations} calls)"
        )
        print(
            f"cold start: {calls['cold_start_ms']:.1f} ms median "
            f"(process start + import, {args.cold_starts} runs)"
        )
        try:
            flow = throughput_figures(spec, root / "logs", Settings.load(), args.records)
        except (KafkaError, RuntimeError) as exc:
            raise SystemExit(f"emulator bench: {exc}; is the local stack up ('planetmail up')?") from None
        print(
            f"Kafka ESM, no-op handler: {flow['esm_per_s']:.0f} records/s vs bare kafka-python consumer "
            f"{flow['bare_consumer_per_s']:.0f} records/s (ratio {flow['ratio']:.2f}, {args.records} records)"
        )


if __name__ == "__main__":
    main()
