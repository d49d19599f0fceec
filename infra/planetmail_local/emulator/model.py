"""What the emulator runs, read from the template once: functions, HTTP routes, Kafka mappings, schedules."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Literal

StartingPosition = Literal["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"]
KafkaSource = Literal["SelfManagedKafka", "aws:kafka"]

DEFAULT_BATCH_SIZE = 100
MAX_BATCH_SIZE = 10_000
DEFAULT_BATCHING_WINDOW_SECONDS = 0.5
RETRIES_WITH_DESTINATION = 10
"""AWS caps "infinite" retries at 10 when an on-failure destination is configured."""
DEFAULT_RUNTIME = "python3.12"
"""What a function without ``Runtime`` reports as its ``AWS_EXECUTION_ENV`` (template.yaml's runtime)."""


@dataclasses.dataclass(frozen=True)
class FunctionSpec:
    name: str
    handler: str
    code_dir: Path
    layer_dirs: tuple[Path, ...] = ()
    extra_code_dirs: tuple[Path, ...] = ()
    """Import roots after ``code_dir``: an Image function's other sources (see ``image_function``)."""
    runtime: str = DEFAULT_RUNTIME
    memory_mb: int = 128
    timeout_seconds: float = 3.0
    environment: dict[str, str] = dataclasses.field(default_factory=dict)
    reserved_concurrency: int | None = None
    """The template's ReservedConcurrentExecutions: at most that many worker processes at once."""

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.name}"


@dataclasses.dataclass(frozen=True)
class HttpRoute:
    function: str
    method: str  # upper case, or ANY
    path: str  # API Gateway template: /v1/emails/{id}, /files/{proxy+}
    payload_version: Literal["1.0", "2.0"]
    source: str  # "HttpApi" or "Api"


@dataclasses.dataclass(frozen=True)
class KafkaMapping:
    name: str  # "<Function>:<Event or mapping id>"
    function: str
    topics: tuple[str, ...]
    source: KafkaSource
    bootstrap_servers: str
    consumer_group: str
    event_source_arn: str | None = None
    starting_position: StartingPosition = "TRIM_HORIZON"
    starting_timestamp: float | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    batching_window_seconds: float = DEFAULT_BATCHING_WINDOW_SECONDS
    maximum_retry_attempts: int = -1  # -1: until the record expires, i.e. forever for Kafka
    maximum_record_age_seconds: int = -1
    bisect_on_error: bool = False
    report_batch_item_failures: bool = False
    on_failure_topic: str | None = None
    filters: tuple[dict[str, Any], ...] = ()
    maximum_pollers: int | None = None

    @property
    def retry_limit(self) -> int | None:
        """Retries after the first attempt, or None for unlimited (the partition blocks)."""
        if self.maximum_retry_attempts >= 0:
            return self.maximum_retry_attempts
        return RETRIES_WITH_DESTINATION if self.on_failure_topic else None


@dataclasses.dataclass(frozen=True)
class Schedule:
    function: str
    name: str
    expression: str
    input: Any = None


@dataclasses.dataclass(frozen=True)
class Application:
    template_path: Path
    functions: dict[str, FunctionSpec]
    routes: tuple[HttpRoute, ...] = ()
    kafka_mappings: tuple[KafkaMapping, ...] = ()
    schedules: tuple[Schedule, ...] = ()
