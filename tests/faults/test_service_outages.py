"""The stack's services fail while mail flows; afterwards every accepted message was acknowledged exactly
once in the SMTP sink, or decided once without a reply (suppressed by the reply policy, or classified as
spam), none lost or doubled (issue 9, fault suite).

Each test sends ``PLANETMAIL_FAULT_MESSAGES`` (default 600) messages at ``PLANETMAIL_FAULT_RATE``
(default 20/s) through the API gateway and injects its fault once a third of them were sent. Outages last
what the issue names, times ``PLANETMAIL_FAULT_OUTAGE_SCALE`` (default 1): the broker is down 5 s after its
kill -9, ZooKeeper 30 s, the AWS endpoint 30 s, the SMTP server 60 s.

During an SMTP outage the responder hands records back and the mapping retries them; any that run out
of retries wait on mail.dlq, so the test then does what the operator does once the server is back,
``planetmail dlq replay``, and only then expects every message settled once, except a reply whose DATA
was cut by the kill: its delivery is unknown (at most one per responder worker), as when the AWS endpoint
freezes mid-write.

The AWS endpoint (DynamoDB by dynalite in front of moto) keeps its state in memory, so its front
process, through which every AWS call goes, is frozen with SIGSTOP and thawed with SIGCONT rather than
restarted: clients meet an endpoint that accepts connections and never answers, then comes back with its
tables (status rows, idempotency and send ledger) intact. A restart would lose them, and the ledger is
what keeps an acknowledgement from going out twice.
"""

from __future__ import annotations

import signal
import time

import pytest
from fault_pipeline import FaultPipeline
from fault_traffic import FaultWindow, TrafficPlan, in_doubt, settle, steady_traffic

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.faults]



@pytest.mark.parametrize(("service", "outage_seconds", "seed", "fault"), [
    ("kafka", 5, 1, "Kafka broker kill -9"),
    ("zookeeper", 30, 2, "ZooKeeper down"),
], ids=["kafka-broker-kill-9", "zookeeper-down-30s"])
def test_service_killed_then_restarted(pipeline: FaultPipeline, traffic_plan: TrafficPlan, service: str,
                                       outage_seconds: float, seed: int, fault: str):
    with steady_traffic(pipeline, traffic_plan, seed=seed) as sender:
        sender.wait_for(traffic_plan.messages // 3)
        window = FaultWindow()
        pipeline.kill_service(service)
        time.sleep(traffic_plan.outage(outage_seconds))
        pipeline.restart_service(service)
        window.lift()
    settle(pipeline, sender, window, fault).assert_exactly_once()


def test_aws_endpoint_unreachable(pipeline: FaultPipeline, traffic_plan: TrafficPlan):
    endpoint = pipeline.service_process("aws")
    with steady_traffic(pipeline, traffic_plan, seed=3) as sender:
        sender.wait_for(traffic_plan.messages // 3)
        window = FaultWindow()
        responders = len(pipeline.workers("responder.handler.handler"))
        endpoint.send_signal(signal.SIGSTOP)
        try:
            time.sleep(traffic_plan.outage(30))
        finally:
            endpoint.send_signal(signal.SIGCONT)
        window.lift()
    settle(pipeline, sender, window, "AWS endpoint frozen")
    # Acknowledgements that ran out of retries while it was frozen wait on mail.dlq: the operator's fix.
    replayed = pipeline.replay_dead_letters()
    figures = settle(pipeline, sender, window, f"AWS endpoint frozen, then {replayed} dead letters replayed")
    # A responder whose 'sending' write was applied but never answered cannot tell whether it sent:
    # at most one such write per responder worker alive when the endpoint froze.
    doubtful = in_doubt(pipeline, figures)
    assert len(doubtful) <= responders, doubtful
    figures.assert_exactly_once(doubtful)


def test_smtp_server_down(pipeline: FaultPipeline, traffic_plan: TrafficPlan):
    with steady_traffic(pipeline, traffic_plan, seed=4) as sender:
        sender.wait_for(traffic_plan.messages // 3)
        window = FaultWindow()
        responders = len(pipeline.workers("responder.handler.handler"))
        pipeline.kill_service("smtp")
        time.sleep(traffic_plan.outage(60))
        pipeline.restart_service("smtp")
        window.lift()
    outage = settle(pipeline, sender, window, "SMTP server down")
    assert not outage.duplicates
    # Acknowledgements that ran out of retries while it was down wait on mail.dlq: the operator's fix.
    replayed = pipeline.replay_dead_letters()
    figures = settle(pipeline, sender, window, f"SMTP server down, then {replayed} dead letters replayed")
    # The kill can land while a responder's message is in DATA: the server may or may not have stored it
    # before it died, so that reply is in doubt and never sent again: at most one per responder worker.
    doubtful = in_doubt(pipeline, figures)
    assert len(doubtful) <= responders, doubtful
    figures.assert_exactly_once(doubtful)
