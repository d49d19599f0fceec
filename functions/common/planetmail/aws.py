"""boto3 clients pointed at the configured AWS endpoint (moto or LocalStack locally, AWS in the cloud)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from planetmail.settings import Settings

_CLIENT_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=3, read_timeout=10)


def client(service: str, settings: Settings) -> Any:
    """A boto3 client; on a laptop the endpoint is moto's server, credentials are dummies."""
    options: dict[str, Any] = {"region_name": settings.aws_region, "config": _CLIENT_CONFIG}
    if settings.aws_endpoint_url:
        options["endpoint_url"] = settings.aws_endpoint_url
        options.setdefault("aws_access_key_id", "testing")
        options.setdefault("aws_secret_access_key", "testing")
    return boto3.client(service, **options)  # type: ignore[call-overload]
