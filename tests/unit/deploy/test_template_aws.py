"""template.yaml as AWS reads it: nothing that only works on a laptop unless samconfig.toml's [local]
asks for it, a role of its own per function, python3.12 everywhere, outputs an operator needs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from deploy_imports import function_role

from planetmail.settings import ENV_SMTP_TLS, SMTP_TLS_MODES, Secret, Settings
from planetmail_local.emulator.event_sources import ERROR_HANDLING_CONTROLS
from planetmail_local.emulator.template import config_parameter_overrides, load_application
from planetmail_local.emulator.yaml_loader import load_template_document
from responder.senders.smtp import InsecureCredentialsError, SmtpTransport

ROOT = Path(__file__).parents[3]
TEMPLATE = ROOT / "template.yaml"
DOCUMENT: dict[str, Any] = load_template_document(TEMPLATE)
RESOURCES: dict[str, Any] = DOCUMENT["Resources"]
FUNCTIONS = sorted(name for name, spec in RESOURCES.items() if spec["Type"] == "AWS::Serverless::Function")


def test_no_parameter_defaults_to_something_only_a_laptop_has() -> None:
    local = {name: spec["Default"] for name, spec in DOCUMENT["Parameters"].items()
             if "Default" in spec and re.search(r"127\.0\.0\.1|localhost", str(spec["Default"]))}
    assert local == {}
    defaults = {name: spec.get("Default") for name, spec in DOCUMENT["Parameters"].items()}
    assert (defaults["Environment"], defaults["Coordination"], defaults["KafkaSecurityProtocol"]) == (
        "aws", "aws", "SASL_SSL")
    assert "Default" not in DOCUMENT["Parameters"]["KafkaBootstrapServers"]
    assert "Default" not in DOCUMENT["Parameters"]["ModelBucket"]


SMTP_TLS = DOCUMENT["Parameters"]["SmtpTls"]
ENCRYPTING_SMTP_TLS = ("starttls", "implicit")
"""TLS before AUTH and mail (tests/integration/responder/test_smtp_tls.py sends through both)."""
CLEAR_TEXT_SMTP_TLS = [mode for mode in SMTP_TLS["AllowedValues"] if mode not in ENCRYPTING_SMTP_TLS]


def test_smtp_tls_defaults_to_starttls_so_credentials_are_never_sent_in_clear() -> None:
    """Issue 17. The template's defaults alone, without samconfig's [local] (the laptop's sink, none)."""
    assert SMTP_TLS["Default"] == "starttls"
    assert set(SMTP_TLS["AllowedValues"]) <= set(SMTP_TLS_MODES)
    deployed = load_application(TEMPLATE, {"KafkaBootstrapServers": "b:1", "ModelBucket": "models"},
                                config_env="default")
    assert deployed.functions["ResponderFunction"].environment[ENV_SMTP_TLS] == "starttls"


@pytest.mark.parametrize("mode", CLEAR_TEXT_SMTP_TLS)
def test_an_allowed_smtp_tls_value_without_encryption_refuses_a_password(mode: str) -> None:
    settings = Settings(smtp_tls=mode, smtp_username="desk", smtp_password=Secret("hunter2-secret"))
    with pytest.raises(InsecureCredentialsError):
        SmtpTransport(settings)


def test_samconfig_deploys_to_aws_and_gives_the_emulator_the_local_stack() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    deploy = config["default"]["deploy"]["parameters"]["parameter_overrides"]
    local = config_parameter_overrides(ROOT / "samconfig.toml", "local")

    assert {"Environment=aws", "Coordination=aws", "KafkaSecurityProtocol=SASL_SSL"} <= set(deploy)
    assert local["Environment"] == "local" and local["KafkaBootstrapServers"].startswith("127.0.0.1:")
    collector = load_application(TEMPLATE, kafka_bootstrap="b:1").functions["CollectorFunction"]
    assert collector.environment["PLANETMAIL_COORDINATION"] == "zookeeper"
    aws_mode = load_application(TEMPLATE, {"Coordination": "aws"}, kafka_bootstrap="b:1")
    poller = aws_mode.functions["ImapPollerFunction"].environment
    assert (poller["PLANETMAIL_COORDINATION"], poller["PLANETMAIL_CONFIG_SOURCE"]) == ("dynamodb", "ssm")


def test_aws_rules_refuse_the_local_shapes() -> None:
    asserted = {str(item["Assert"]) for item in DOCUMENT["Rules"]["AwsNeedsAwsShapes"]["Assertions"]}
    for parameter in ("KafkaSecurityProtocol", "KafkaSaslSecretArn", "Coordination", "ModelBucket"):
        assert any(parameter in text for text in asserted), parameter


def role_of(function: str) -> str:
    return function_role(RESOURCES, function)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_has_a_role_of_its_own_and_python_3_12(function: str) -> None:
    properties = RESOURCES[function]["Properties"]
    role = role_of(function)

    assert "Policies" not in properties  # SAM's generated role would add the VPC policy unconditionally
    assert [name for name in FUNCTIONS if role_of(name) == role] == [function]
    assert properties.get("PackageType") == "Image" or properties["Runtime"] == "python3.12"
    managed = RESOURCES[role]["Properties"]["ManagedPolicyArns"]
    assert "AWSLambdaBasicExecutionRole" in str(managed[0])
    assert managed[1:] == [] or (managed[1]["Fn::If"][0] == "UseVpc" and len(managed) == 2)


def test_the_layer_and_the_image_are_python_3_12() -> None:
    layer = RESOURCES["CommonLayer"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert layer["Metadata"]["BuildMethod"] == "python3.12"
    dockerfile = (ROOT / "functions" / "processor" / "Dockerfile").read_text(encoding="utf-8")
    assert "python:3.12" in dockerfile


def test_the_api_logs_access_and_throttles() -> None:
    api = RESOURCES["HttpApi"]["Properties"]
    assert "ApiAccessLogs" in str(api["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"])
    assert set(api["DefaultRouteSettings"]) == {"ThrottlingBurstLimit", "ThrottlingRateLimit"}


def test_outputs_name_every_function_and_table() -> None:
    outputs = DOCUMENT["Outputs"]
    for function in FUNCTIONS:
        target = str(outputs[f"{function}Arn"]["Value"]["Fn::GetAtt"])
        assert target in (f"{function}.Arn", str([function, "Arn"]))
    assert {"ApiUrl", "SubmitEmailUrl", "StatusTableArn", "IdempotencyTableArn", "RawMailBucketArn",
            "ConfigParameterArn", "ApiAccessLogGroupArn"} <= set(outputs)


KAFKA_MAPPINGS = sorted(name for name, spec in RESOURCES.items()
                        if spec["Type"] == "AWS::Lambda::EventSourceMapping")


@pytest.mark.parametrize("mapping", KAFKA_MAPPINGS)
def test_kafka_mappings_with_retry_controls_are_in_provisioned_mode(mapping: str) -> None:
    """AWS accepts a Kafka mapping's retries, bisection, partial batch responses and on-failure
    destination only in provisioned mode (ProvisionedPollerConfig)."""
    properties = RESOURCES[mapping]["Properties"]
    controls = [control for control in ERROR_HANDLING_CONTROLS if control in properties]
    assert controls, f"{mapping} uses no retry control any more: this test's premise changed"
    assert properties.get("ProvisionedPollerConfig", {}).get("MinimumPollers", 0) >= 1, \
        f"{mapping} uses {controls} without ProvisionedPollerConfig"


@pytest.mark.parametrize("target", ["UseSelfManagedKafka", "UseMsk"])
def test_every_kafka_mapping_of_a_target_reaches_the_brokers_the_same_way(target: str) -> None:
    """Login, private root CA and VPC subnets are the cluster's, not one function's: a mapping that
    left them out (the inbox indexer's once did) could not connect in a VPC or with a private CA."""
    mappings = [name for name in KAFKA_MAPPINGS if RESOURCES[name]["Condition"] == target]
    access = {name: RESOURCES[name]["Properties"]["SourceAccessConfigurations"] for name in mappings}
    assert len(mappings) == 4 and all(value == access[mappings[0]] for value in access.values()), access


def test_every_role_that_logs_in_to_kafka_may_read_its_root_ca() -> None:
    """The functions' own Kafka clients verify a private CA's broker certificate with the same secret as
    the mappings (PLANETMAIL_KAFKA_ROOT_CA_SECRET_ARN, planetmail.secrets)."""
    def policies(role: str) -> str:
        return str(RESOURCES[role]["Properties"]["Policies"])
    roles = sorted(name for name, spec in RESOURCES.items() if spec["Type"] == "AWS::IAM::Role")
    logs_in = [role for role in roles if "KafkaLogin" in policies(role)]
    assert len(logs_in) == 8
    assert [role for role in logs_in if "KafkaRootCa" not in policies(role)] == []
    variables = DOCUMENT["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["PLANETMAIL_KAFKA_ROOT_CA_SECRET_ARN"] == {"Ref": "KafkaRootCaSecretArn"}
