"""Template loading: parameters, conditions, Globals, overrides, and errors naming the resource and fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planetmail_local.emulator.errors import TemplateError
from planetmail_local.emulator.template import (
    load_application,
    load_env_overrides,
    parse_parameter_overrides,
)

PROJECT_TEMPLATE = Path(__file__).parents[3] / "template.yaml"
FIXTURE_TEMPLATE = Path(__file__).parents[2] / "fixtures" / "sam_app" / "template.yaml"


def test_globals_merge_under_function_properties(fixture_app):
    sleep = fixture_app.functions["SleepFunction"]
    echo = fixture_app.functions["EchoFunction"]
    assert (sleep.timeout_seconds, echo.timeout_seconds) == (1.0, 5.0)
    assert echo.environment == {"TRACE_FILE": "", "GREETING": "hello"}
    assert echo.layer_dirs == (FIXTURE_TEMPLATE.parent.joinpath("layer").resolve(),)
    assert echo.code_dir == FIXTURE_TEMPLATE.parent.joinpath("src").resolve()


def test_routes_keep_payload_version_per_api_type(fixture_app):
    routes = {(r.method, r.path): r.payload_version for r in fixture_app.routes}
    assert routes[("GET", "/greet/{name}")] == "2.0"
    assert routes[("ANY", "/files/{proxy+}")] == "2.0"
    assert routes[("POST", "/rest/{id}")] == "1.0"


def test_kafka_events_resolve_sub_and_ref(fixture_app):
    mappings = {m.name: m for m in fixture_app.kafka_mappings}
    poison = mappings["BatchFunction:u.poison"]
    assert poison.consumer_group == "u.poison"
    assert poison.on_failure_topic == "u.dlq"
    assert (poison.batch_size, poison.retry_limit, poison.source) == (1, 2, "SelfManagedKafka")
    managed = mappings["BatchFunction:u.msk"]
    assert managed.source == "aws:kafka"
    assert managed.bootstrap_servers == "broker:9092"
    assert managed.event_source_arn.startswith("arn:aws:kafka:")
    assert mappings["BatchFunction:u.filtered"].filters == ({"value": {"kind": ["keep"]}},)


def test_unlimited_retries_become_ten_with_a_destination(fixture_app):
    partial = next(m for m in fixture_app.kafka_mappings if m.topics == ("u.partial",))
    assert partial.retry_limit is None
    assert partial.report_batch_item_failures


@pytest.mark.parametrize(
    ("target", "expected_source"), [("SelfManagedKafka", "SelfManagedKafka"), ("MSK", "aws:kafka")]
)
def test_project_template_picks_mappings_by_kafka_target(target, expected_source):
    overrides = {
        "KafkaTarget": target,
        "MskClusterArn": "arn:aws:kafka:eu-west-1:123456789012:cluster/pm/abc-1",
    }
    app = load_application(PROJECT_TEMPLATE, overrides, kafka_bootstrap="b:9092")
    assert {m.function for m in app.kafka_mappings} == {"ProcessorFunction", "ResponderFunction",
                                                        "InboxIndexerFunction"}
    assert {m.source for m in app.kafka_mappings} == {expected_source}
    assert all(m.on_failure_topic == "mail.dlq" and m.report_batch_item_failures for m in app.kafka_mappings)
    if target == "MSK":
        assert {m.event_source_arn for m in app.kafka_mappings} == {overrides["MskClusterArn"]}


@pytest.mark.parametrize(("overrides", "window"), [({}, 0.0), ({"KafkaBatchingWindowSeconds": "5"}, 5.0)])
def test_project_template_batching_window_is_one_parameter_for_both_mappings(overrides, window):
    app = load_application(PROJECT_TEMPLATE, overrides, kafka_bootstrap="b:9092")
    assert [m.batching_window_seconds for m in app.kafka_mappings] == [window] * len(app.kafka_mappings)
    assert len(app.kafka_mappings) == 4  # processor, responder, the inbox indexer's two topics
    assert len({m.consumer_group for m in app.kafka_mappings}) == 4  # one group per source (AWS rule)


def test_project_template_refuses_a_batching_window_it_does_not_offer():
    with pytest.raises(TemplateError, match="KafkaBatchingWindowSeconds='3' is not allowed; use one of: 0"):
        load_application(PROJECT_TEMPLATE, {"KafkaBatchingWindowSeconds": "3"}, kafka_bootstrap="b:9092")


def test_project_template_declares_the_fixed_handlers():
    app = load_application(PROJECT_TEMPLATE, kafka_bootstrap="b:9092")
    handlers = {name: spec.handler for name, spec in app.functions.items()}
    assert handlers == {
        "CollectorFunction": "collector.app.handler",
        "ImapPollerFunction": "collector.imap_poller.handler",
        "ProcessorFunction": "processor.handler.handler",
        "ResponderFunction": "responder.handler.handler",
        "InboxFunction": "inbox.app.handler",
        "InboxIndexerFunction": "inbox.indexer.handler",
        "SlaWatchdogFunction": "sla_watchdog.handler.handler",
        "RetrainFunction": "retrain.handler.handler",
    }
    assert {r.path for r in app.routes} >= {
        "/v1/emails",
        "/v1/emails/{id}",
        "/webhooks/{provider}",
        "/healthz",
    }
    assert sorted((s.function, s.expression) for s in app.schedules) == [
        ("ImapPollerFunction", "rate(1 minute)"), ("RetrainFunction", "rate(7 days)"),
        ("SlaWatchdogFunction", "rate(1 minute)")]


def test_env_overrides_apply_to_declared_variables_only(tmp_path):
    env_file = tmp_path / "env.json"
    env_file.write_text(
        json.dumps(
            {"Parameters": {"GREETING": "hola", "UNDECLARED": "x"}, "EchoFunction": {"GREETING": "hi"}}
        )
    )
    app = load_application(
        FIXTURE_TEMPLATE, env_overrides=load_env_overrides(env_file), kafka_bootstrap="b:1"
    )
    assert app.functions["EchoFunction"].environment["GREETING"] == "hi"
    assert app.functions["FailFunction"].environment == {"TRACE_FILE": "", "GREETING": "hola"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A=1 B=two", {"A": "1", "B": "two"}),
        ("ParameterKey=A,ParameterValue=x ParameterKey=B,ParameterValue=y", {"A": "x", "B": "y"}),
        ("'A=x y'", {"A": "x y"}),
        ("", {}),
    ],
)
def test_parameter_overrides_both_spellings(text, expected):
    assert parse_parameter_overrides(text) == expected


def test_parameter_override_without_equals_is_refused():
    with pytest.raises(TemplateError, match="'oops' is not Key=Value"):
        parse_parameter_overrides("oops")


def _write_template(tmp_path: Path, body: str) -> Path:
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return event\n")
    path = tmp_path / "template.yaml"
    path.write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n" + body)
    return path


FUNCTION = "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
MAPPING = "  Map:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n"
KAFKA_EVENT = "      Events:\n        K:\n          Type: SelfManagedKafka\n          Properties:\n"


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        (
            FUNCTION + "      {CodeUri: src, Handler: nope.handler}\n",
            "function Fn: handler module 'nope' not found",
        ),
        (
            FUNCTION + "      {CodeUri: missing, Handler: app.handler}\n",
            "CodeUri 'missing' is not a directory",
        ),
        (
            FUNCTION + "      {CodeUri: src, Handler: app.handler, Runtime: nodejs20.x}\n",
            "nodejs20.x is not Python",
        ),
        (
            FUNCTION
            + "      {CodeUri: src, Handler: app.handler, Environment: {Variables: {A: !Ref Missing}}}\n",
            "!Ref 'Missing' names no parameter or resource",
        ),
        (MAPPING + "      {FunctionName: Ghost, Topics: [t]}\n", "FunctionName 'Ghost' is no function"),
        (
            FUNCTION
            + "      CodeUri: src\n      Handler: app.handler\n"
            + KAFKA_EVENT
            + "            {Topics: [t], KafkaBootstrapServers: [b], BatchSize: 20000}\n",
            "Fn.Events.K: BatchSize 20000 is outside 1..10000",
        ),
        (
            FUNCTION
            + "      CodeUri: src\n      Handler: app.handler\n"
            + KAFKA_EVENT
            + "            {Topics: [a], KafkaBootstrapServers: [b], ConsumerGroupId: g}\n"
            + "        L:\n          Type: SelfManagedKafka\n          Properties:\n"
            + "            {Topics: [c], KafkaBootstrapServers: [b], ConsumerGroupId: g}\n",
            "Fn:a and Fn:c both join consumer group 'g'; AWS requires a ConsumerGroupId unique",
        ),
        (
            FUNCTION
            + "      CodeUri: src\n      Handler: app.handler\n"
            + KAFKA_EVENT
            + "            {Topics: [t], KafkaBootstrapServers: [b], MaximumRetryAttempts: 2,"
            + " FunctionResponseTypes: [ReportBatchItemFailures]}\n",
            "Fn.Events.K: MaximumRetryAttempts, FunctionResponseTypes work on a Kafka mapping only in "
            "provisioned mode",
        ),
        (
            FUNCTION + "      {CodeUri: src, Handler: app.handler, ReservedConcurrentExecutions: 0}\n",
            "function Fn: ReservedConcurrentExecutions must be a whole number from 1 to 64, got 0 "
            "(0 throttles every invocation on AWS; not emulated); fix ReservedConcurrentExecutions",
        ),
        (
            FUNCTION + "      {CodeUri: src, Handler: app.handler, ReservedConcurrentExecutions: many}\n",
            "ReservedConcurrentExecutions must be a whole number from 1 to 64, got 'many'",
        ),
    ],
)
def test_bad_templates_name_resource_and_fix(tmp_path, resource, message):
    with pytest.raises(TemplateError, match="; ") as raised:
        load_application(_write_template(tmp_path, resource))
    assert message in str(raised.value)


def test_unknown_parameter_override_lists_the_parameters():
    with pytest.raises(
        TemplateError, match="'Nope' is not a template parameter; use one of: BootstrapServers"
    ):
        load_application(FIXTURE_TEMPLATE, {"Nope": "1"}, kafka_bootstrap="b:1")


def test_disallowed_parameter_value_is_refused():
    with pytest.raises(
        TemplateError, match="KafkaTarget='Kinesis' is not allowed; use one of: SelfManagedKafka, MSK"
    ):
        load_application(PROJECT_TEMPLATE, {"KafkaTarget": "Kinesis"})


@pytest.mark.parametrize(("content", "message"), [("{not json", "is not JSON"), ('{"Fn": 1}', "must map")])
def test_bad_env_vars_file(tmp_path, content, message):
    path = tmp_path / "env.json"
    path.write_text(content)
    with pytest.raises(TemplateError, match=message):
        load_env_overrides(path)


def test_missing_template_says_how_to_pass_one(tmp_path):
    with pytest.raises(TemplateError, match="does not exist; pass -t"):
        load_application(tmp_path / "template.yaml")


@pytest.mark.parametrize("written", ["3", "'3'"])
def test_reserved_concurrency_is_the_functions_worker_limit(tmp_path, written):
    body = FUNCTION + f"      {{CodeUri: src, Handler: app.handler, ReservedConcurrentExecutions: {written}}}"
    assert load_application(_write_template(tmp_path, body + "\n")).functions["Fn"].reserved_concurrency == 3


def test_without_reserved_concurrency_a_function_takes_the_emulators_default(tmp_path):
    body = FUNCTION + "      {CodeUri: src, Handler: app.handler}\n"
    assert load_application(_write_template(tmp_path, body)).functions["Fn"].reserved_concurrency is None
