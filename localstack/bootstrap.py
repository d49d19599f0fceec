"""Create planetmail's AWS resources on a local endpoint (moto server or LocalStack); idempotent.

    python localstack/bootstrap.py [--endpoint-url http://127.0.0.1:4566]

Creates the raw-mail S3 bucket, the status table (keys from planetmail.status), the idempotency table
(partition key ``id``, TTL attribute ``expiration``, the Powertools idempotency layout), the inbox's
staff-state table with its indexes (inbox.table), verifies the SES identity mail is sent from, and stores
the default pipeline configuration in SSM when the parameter does not exist yet (what ``planetmail up
--target aws``'s functions read). Names come from planetmail.settings.Settings and
inbox.settings.InboxSettings.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from botocore.exceptions import ClientError

from inbox.settings import InboxSettings
from inbox.table import INBOX_TABLE_KEYS
from planetmail.aws import client
from planetmail.config import render_document
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail.status import STATUS_TABLE_KEYS

IDEMPOTENCY_TABLE_KEYS: dict[str, Any] = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
}
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"


def ensure_bucket(settings: Settings) -> None:
    s3 = client("s3", settings)
    try:
        s3.head_bucket(Bucket=settings.raw_bucket)
    except ClientError:
        options = {} if settings.aws_region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": settings.aws_region}}
        s3.create_bucket(Bucket=settings.raw_bucket, **options)


def ensure_table(
    settings: Settings, name: str, keys: dict[str, Any], ttl_attribute: str | None = None
) -> None:
    dynamodb = client("dynamodb", settings)
    try:
        dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **keys)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    add_missing_indexes(dynamodb, name, keys)
    if ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute})


def add_missing_indexes(dynamodb: Any, name: str, keys: dict[str, Any]) -> None:
    """Ask a table made before an index existed (an older ``planetmail up``) for the indexes it lacks.

    LocalStack builds them; dynalite (the local stack's DynamoDB) accepts the request and ignores it,
    so a table it holds keeps working without the index and the warning names the way out.
    """
    for index in keys.get("GlobalSecondaryIndexes", []):
        if _has_index(dynamodb, name, index["IndexName"]):
            continue
        # dynalite validates a throughput for a new index even on PAY_PER_REQUEST.
        create = {**index, "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}
        dynamodb.update_table(TableName=name, AttributeDefinitions=keys["AttributeDefinitions"],
                              GlobalSecondaryIndexUpdates=[{"Create": create}])
        if not _has_index(dynamodb, name, index["IndexName"]):
            print(f"warning: table {name} predates index {index['IndexName']}, which this endpoint cannot "
                  "add; delete the table (the next 'planetmail up' recreates it) to run the SLA watchdog "
                  "function on it", file=sys.stderr)


def _has_index(dynamodb: Any, table: str, index: str) -> bool:
    indexes = dynamodb.describe_table(TableName=table)["Table"].get("GlobalSecondaryIndexes", [])
    return any(each["IndexName"] == index for each in indexes)


def ensure_config_parameter(settings: Settings) -> None:
    """The SSM parameter the aws target's functions read their configuration from: the defaults until
    someone writes another version (an existing one is left as it is)."""
    ssm = client("ssm", settings)
    try:
        ssm.put_parameter(Name=settings.config_parameter, Type="String", Overwrite=False,
                          Value=render_document(PipelineConfig()).decode())
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ParameterAlreadyExists":
            raise


def verify_ses_identity(settings: Settings) -> None:
    client("ses", settings).verify_domain_identity(Domain=settings.ses_identity)


def bootstrap(settings: Settings) -> None:
    ensure_bucket(settings)
    ensure_table(settings, settings.status_table, STATUS_TABLE_KEYS)
    ensure_table(settings, settings.idempotency_table, IDEMPOTENCY_TABLE_KEYS, IDEMPOTENCY_TTL_ATTRIBUTE)
    ensure_table(settings, InboxSettings.load(settings).table, INBOX_TABLE_KEYS)
    verify_ses_identity(settings)
    ensure_config_parameter(settings)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoint-url", help="AWS endpoint (default: AWS_ENDPOINT_URL / local.json)")
    args = parser.parse_args()
    settings = Settings.load(**({"aws_endpoint_url": args.endpoint_url} if args.endpoint_url else {}))
    bootstrap(settings)
    print(f"bucket {settings.raw_bucket}, tables {settings.status_table}, {settings.idempotency_table} "
          f"and {InboxSettings.load(settings).table}, "
          f"SES identity {settings.ses_identity}: ready at {settings.aws_endpoint_url}")


if __name__ == "__main__":
    main()
