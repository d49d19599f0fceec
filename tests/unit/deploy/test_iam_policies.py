"""Each function's IAM statements against the AWS calls its code makes: no call without its
permission, no permission without a call (``deploy_calls`` reads the calls from the source).

The template is resolved with every optional feature on (each secret, the SES inbound bucket, the
model bucket, SES sending, AWS coordination, a customer KMS key, MSK in a VPC), so every conditional
statement is present. Permissions that Lambda itself uses for a function's triggers, not the code,
are listed in ``SERVICE_NEEDS`` with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from deploy_calls import aws_actions
from deploy_imports import function_role

from planetmail_local.emulator.intrinsics import Resolver
from planetmail_local.emulator.template import load_application
from planetmail_local.emulator.yaml_loader import load_template_document

ROOT = Path(__file__).parents[3]
TEMPLATE = ROOT / "template.yaml"
SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:planetmail-{}"
EVERYTHING_ON = {
    "Environment": "aws", "Coordination": "aws", "KafkaTarget": "MSK",
    "KafkaBootstrapServers": "b-1.msk:9096",
    "MskClusterArn": "arn:aws:kafka:eu-west-1:123456789012:cluster/planetmail/0f1e2d3c-1",
    "KafkaSaslSecretArn": SECRET.format("kafka"), "KafkaRootCaSecretArn": SECRET.format("ca"),
    "ApiTokenSecretArn": SECRET.format("token"), "WebhookCredentialsSecretArn": SECRET.format("webhooks"),
    "SmtpPasswordSecretArn": SECRET.format("smtp"), "SecretsKmsKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
    "SesInboundBucketName": "planetmail-ses-inbound", "ModelBucket": "planetmail-models",
    "MailTransport": "ses",
    "SubnetIds": ["subnet-a", "subnet-b"], "SecurityGroupIds": ["sg-a"], "SmtpHost": "smtp.example.org",
}
SECRETS_KEY = {"kms:Decrypt": "Secrets Manager decrypts a customer-key secret with the caller's rights"}
KAFKA_MAPPING = {
    "kafka:DescribeClusterV2": "the MSK event-source mapping looks the cluster up",
    "kafka:GetBootstrapBrokers": "the MSK event-source mapping finds the brokers",
    "kafka-cluster:Connect": "the mapping connects to write the on-failure destination",
    "kafka-cluster:DescribeTopic": "the mapping checks the on-failure destination topic",
    "kafka-cluster:WriteData": "the mapping writes spent records to the on-failure destination (mail.dlq)",
    **{f"ec2:{action}": "the mapping's pollers run in the cluster's VPC" for action in (
        "CreateNetworkInterface", "DeleteNetworkInterface", "DescribeNetworkInterfaces", "DescribeVpcs",
        "DescribeSubnets", "DescribeSecurityGroups")},
}
SERVICE_NEEDS: dict[str, dict[str, str]] = {
    "CollectorFunction": SECRETS_KEY,
    "ImapPollerFunction": SECRETS_KEY,
    "SlaWatchdogFunction": SECRETS_KEY,
    "ProcessorFunction": {**SECRETS_KEY, **KAFKA_MAPPING},
    "ResponderFunction": {**SECRETS_KEY, **KAFKA_MAPPING},
    "InboxFunction": SECRETS_KEY,
    "RetrainFunction": SECRETS_KEY,
    "InboxIndexerFunction": {**SECRETS_KEY, **KAFKA_MAPPING},
}


def resolved_resources(overrides: dict[str, Any]) -> dict[str, Any]:
    document = load_template_document(TEMPLATE)
    parameters = {name: spec.get("Default", "") for name, spec in document["Parameters"].items()}
    resolver = Resolver({**parameters, **overrides}, document["Conditions"], document["Resources"])
    return {name: resolver.resolve(spec) for name, spec in document["Resources"].items()}


RESOURCES = resolved_resources(EVERYTHING_ON)
HANDLERS = {name: spec.handler
            for name, spec in load_application(TEMPLATE, kafka_bootstrap="b:1").functions.items()}


def granted(function: str) -> set[str]:
    role = function_role(load_template_document(TEMPLATE)["Resources"], function)
    statements = [statement for policy in RESOURCES[role]["Properties"]["Policies"]
                  for statement in policy["PolicyDocument"]["Statement"]]
    assert all(statement["Effect"] == "Allow" for statement in statements)
    return {action for statement in statements for action in statement["Action"]}


@pytest.mark.parametrize("function", sorted(HANDLERS))
def test_the_role_grants_exactly_the_calls_the_code_makes(function: str) -> None:
    calls = aws_actions(HANDLERS[function])
    needs = set(SERVICE_NEEDS.get(function, {}))
    permissions = granted(function)

    assert sorted(calls - permissions) == [], "calls without a permission"
    assert sorted(permissions - calls - needs) == [], "permissions without a call"
    assert sorted(needs - permissions) == [], "what Lambda needs for the triggers"


def test_a_minimal_deployment_grants_no_optional_permission() -> None:
    resources = resolved_resources({**{name: "" for name in EVERYTHING_ON if name.endswith(("Arn", "KeyId"))},
                                    "KafkaTarget": "SelfManagedKafka", "SubnetIds": [""],
                                    "SecurityGroupIds": [""], "ModelBucket": "", "SesInboundBucketName": "",
                                    "MailTransport": "smtp", "Coordination": "zookeeper"})
    statements = {name: [statement["Sid"] for policy in spec["Properties"].get("Policies", [])
                         for statement in policy["PolicyDocument"]["Statement"]]
                  for name, spec in resources.items() if spec["Type"] == "AWS::IAM::Role"}

    assert statements == {
        "CollectorRole": ["RawMail", "StatusTimeline", "DedupeClaims"],
        "ImapPollerRole": ["RawMail", "StatusTimeline", "DedupeClaimsLeaseAndCursor"],
        "ProcessorRole": ["StatusTimeline"],
        "ResponderRole": ["StatusTimeline", "SendLedgerBouncesAndCounters"],
        "SlaWatchdogRole": ["SlaIndex", "StatusTimeline", "Alerts"],
        "InboxRole": ["StaffState", "StatusTimeline", "RawMailLinks"],
        "InboxIndexerRole": ["StaffState"],
        "RetrainRole": [],
    }
