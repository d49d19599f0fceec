import json

from planetmail_local.bench.follow import Deliveries
from planetmail_local.bench.load import Submission
from planetmail_local.bench.report import summarise


def _accepted(tracking_id: str, at: float, kind: str = "genuine", held_out: bool = False) -> Submission:
    return Submission("api", kind, scheduled_at=at, accepted_at=at, status=202,
                      tracking_id=tracking_id, held_out=held_out)


def test_counts_lost_duplicates_and_suppressions():
    submissions = [
        _accepted("A", 100.0),
        _accepted("B", 100.5),
        _accepted("C", 101.0),  # never acknowledged: lost
        _accepted("D", 101.0, kind="auto_reply"),  # correctly suppressed
        _accepted("E", 101.0, kind="spam"),  # the model missed it: acknowledged
        _accepted("F", 101.0, kind="auto_reply"),  # answered: a reply-policy failure
        Submission("mailgun", "genuine", scheduled_at=101.5, status=401, error="unauthorised"),
        Submission("api", "genuine", scheduled_at=101.6, error="ReadTimeout: timed out"),
    ]
    deliveries = Deliveries()
    deliveries.times["A"] += [100.2, 100.9]  # acknowledged twice: one duplicate
    deliveries.times["B"].append(101.5)
    deliveries.times["E"].append(102.0)
    deliveries.times["F"].append(102.5)

    result = summarise(submissions, deliveries)

    assert (result.sent, result.accepted, result.rejected) == (8, 6, 2)
    assert result.rejected_by == {"401": 1, "ReadTimeout": 1}
    assert (result.acknowledged, result.lost, result.duplicates) == (2, 1, 1)
    assert (result.suppressed_expected, result.auto_replies_answered, result.spam_answered) == (1, 1, 1)
    assert result.latency_ms["max"] == 1000.0
    assert result.latency_ms["p50"] == 600.0


def test_answered_spam_from_groups_the_model_never_trained_on_is_counted_apart():
    held_out = [_accepted(name, 1.0, kind="spam", held_out=True) for name in ("H1", "H2", "H3")]
    submissions = [_accepted("S1", 1.0, kind="spam"), _accepted("S2", 1.0, kind="spam"), *held_out,
                   _accepted("G", 1.0, held_out=True)]
    deliveries = Deliveries()
    for answered in ("S1", "H1", "H2", "G"):
        deliveries.times[answered].append(2.0)

    result = summarise(submissions, deliveries)

    assert (result.spam_answered, result.spam_answered_held_out) == (3, 2)


def test_no_acknowledgements_reports_zero_throughput():
    result = summarise([_accepted("A", 5.0)], Deliveries())
    assert result.throughput_per_s == 0.0
    assert result.lost == 1


def test_only_messages_without_any_terminal_state_are_lost_and_their_ids_listed(tmp_path):
    from planetmail_local.bench.outcomes import Outcome
    from planetmail_local.bench.report import write_json

    submissions = [_accepted("A", 1.0), _accepted("B", 1.0), _accepted("C", 1.0), _accepted("D", 1.0),
                   _accepted("S", 1.0, kind="spam")]
    deliveries = Deliveries()
    deliveries.times["A"].append(2.0)
    outcomes = {"B": Outcome("suppressed", "responder", "sender_unauthenticated"),
                "C": Outcome("failed", "responder", "recipient_refused"),
                "S": Outcome("suppressed", "processor", "provider_spam")}

    result = summarise(submissions, deliveries, outcomes)

    assert (result.acknowledged, result.lost, result.lost_ids) == (1, 1, ["D"])
    assert result.not_acknowledged == {"suppressed:sender_unauthenticated": 1, "failed:recipient_refused": 1}
    assert result.not_acknowledged_ids["failed:recipient_refused"] == ["C"]
    assert result.spam_outcomes == {"suppressed:provider_spam": 1}
    assert "lost_ids" not in result.figures()
    write_json(result, tmp_path / "bench.json")
    assert json.loads((tmp_path / "bench.json").read_text())["lost_ids"] == ["D"]


def test_duplicates_count_only_this_runs_messages():
    deliveries = Deliveries()
    deliveries.times["A"] += [2.0, 3.0]
    deliveries.times["01KBQ7Z0000000000000EVENTS"] += [1.0, 1.5]  # another test's mail in the shared sink
    assert summarise([_accepted("A", 1.0)], deliveries).duplicates == 1


def test_cpu_is_reported_per_accepted_and_per_acknowledged_message():
    submissions = [_accepted("A", 1.0), _accepted("B", 1.0), _accepted("C", 1.0, kind="spam"),
                   _accepted("D", 1.0, kind="auto_reply")]
    deliveries = Deliveries()
    deliveries.times["A"].append(1.5)
    deliveries.times["B"].append(1.6)

    result = summarise(submissions, deliveries).with_cpu(
        {"responder.handler": 0.3, "kafka": 0.1}, idle_per_s={"kafka": 0.01}, elapsed=2.0)

    assert result.cpu_ms_per_message == {"responder.handler": 75.0, "kafka": 20.0, "total": 95.0}
    assert result.cpu_ms_per_acknowledged == 190.0
    assert json.loads(json.dumps(result.to_json()))["cpu_ms_per_acknowledged"] == 190.0
