"""Helpers for the deployment tests: throwaway secrets and buckets on the local AWS endpoint (moto)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from planetmail import aws
from planetmail.settings import Settings


class SecretsOnEndpoint:
    """Creates uniquely named secrets and deletes them all afterwards."""

    def __init__(self, settings: Settings) -> None:
        self.client: Any = aws.client("secretsmanager", settings)
        self.arns: list[str] = []

    def create(self, purpose: str, value: str) -> str:
        name = f"planetmail-test/{purpose}-{uuid.uuid4().hex[:8]}"
        arn: str = self.client.create_secret(Name=name, SecretString=value)["ARN"]
        self.arns.append(arn)
        return arn

    def delete_all(self) -> None:
        for arn in self.arns:
            self.client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)


@contextmanager
def throwaway_bucket(settings: Settings) -> Iterator[tuple[Any, str]]:
    s3: Any = aws.client("s3", settings)
    bucket = f"planetmail-test-models-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    try:
        yield s3, bucket
    finally:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=item["Key"])
        s3.delete_bucket(Bucket=bucket)
