"""Function events (HttpApi, Api, Schedule, MSK, SelfManagedKafka) and EventSourceMapping resources."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from planetmail_local.emulator.errors import TemplateError
from planetmail_local.emulator.model import (
    MAX_BATCH_SIZE,
    FunctionSpec,
    HttpRoute,
    KafkaMapping,
    KafkaSource,
    Schedule,
)

log = logging.getLogger(__name__)

STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
KAFKA_DESTINATION_SCHEME = "kafka://"


@dataclasses.dataclass
class FunctionEvents:
    routes: list[HttpRoute] = dataclasses.field(default_factory=list)
    kafka_mappings: list[KafkaMapping] = dataclasses.field(default_factory=list)
    schedules: list[Schedule] = dataclasses.field(default_factory=list)


def parse_function_events(
    function: str, events: Mapping[str, Any], kafka_bootstrap: str | None
) -> FunctionEvents:
    found = FunctionEvents()
    for event_name, event in events.items():
        kind, properties = event.get("Type"), event.get("Properties", {})
        where = f"{function}.Events.{event_name}"
        if kind in ("HttpApi", "Api"):
            found.routes.append(_route(function, kind, properties))
        elif kind == "Schedule":
            found.schedules.append(
                Schedule(function, event_name, str(properties.get("Schedule", "")), properties.get("Input"))
            )
        elif kind in ("MSK", "SelfManagedKafka"):
            source: KafkaSource = "aws:kafka" if kind == "MSK" else "SelfManagedKafka"
            servers = properties.get("KafkaBootstrapServers")
            found.kafka_mappings.append(
                _kafka_mapping(
                    where,
                    function,
                    source,
                    properties,
                    servers,
                    properties.get("Stream"),
                    properties.get("ConsumerGroupId"),
                    kafka_bootstrap,
                )
            )
        else:
            log.warning("%s: event type %s does not run locally; ignored", where, kind)
    return found


def parse_mapping_resource(
    name: str,
    properties: Mapping[str, Any],
    functions: Mapping[str, FunctionSpec],
    kafka_bootstrap: str | None,
) -> KafkaMapping:
    function = str(properties.get("FunctionName", "")).rsplit(":", 1)[-1]
    if function not in functions:
        raise TemplateError(
            f"{name}: FunctionName {function!r} is no function in the template; "
            f"use !Ref to one of: {', '.join(functions)}"
        )
    self_managed = properties.get("SelfManagedEventSource")
    source: KafkaSource = "SelfManagedKafka" if self_managed else "aws:kafka"
    servers = (self_managed or {}).get("Endpoints", {}).get("KafkaBootstrapServers")
    config = (
        properties.get("SelfManagedKafkaEventSourceConfig")
        or properties.get("AmazonManagedKafkaEventSourceConfig")
        or {}
    )
    return _kafka_mapping(
        name,
        function,
        source,
        properties,
        servers,
        properties.get("EventSourceArn"),
        config.get("ConsumerGroupId"),
        kafka_bootstrap,
    )


def _route(function: str, kind: str, properties: Mapping[str, Any]) -> HttpRoute:
    method = str(properties.get("Method", "ANY")).upper()
    path = str(properties.get("Path", "/$default"))
    version: Literal["1.0", "2.0"] = "2.0" if kind == "HttpApi" else "1.0"
    if kind == "HttpApi" and str(properties.get("PayloadFormatVersion", "2.0")) == "1.0":
        version = "1.0"
    return HttpRoute(
        function, "ANY" if method == "X-AMAZON-APIGATEWAY-ANY-METHOD" else method, path, version, kind
    )


def _kafka_mapping(
    where: str,
    function: str,
    source: KafkaSource,
    properties: Mapping[str, Any],
    servers: Any,
    arn: Any,
    group: Any,
    kafka_bootstrap: str | None,
) -> KafkaMapping:
    topics = properties.get("Topics") or []
    if len(topics) != 1:
        raise TemplateError(f"{where}: Topics must name exactly one topic (as on AWS); got {topics!r}")
    if source == "SelfManagedKafka" and not servers:
        raise TemplateError(f"{where}: SelfManagedKafka needs KafkaBootstrapServers; add host:port entries")
    bootstrap = ",".join(servers) if isinstance(servers, list) else str(servers or kafka_bootstrap or "")
    if not bootstrap:
        raise TemplateError(f"{where}: an MSK cluster has no local address; pass --kafka-bootstrap HOST:PORT")
    position = str(properties.get("StartingPosition", "TRIM_HORIZON"))
    if position not in STARTING_POSITIONS:
        raise TemplateError(
            f"{where}: StartingPosition {position} is not one of {', '.join(STARTING_POSITIONS)}"
        )
    batch_size = int(properties.get("BatchSize", 100))
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise TemplateError(f"{where}: BatchSize {batch_size} is outside 1..{MAX_BATCH_SIZE}; fix BatchSize")
    pollers = properties.get("ProvisionedPollerConfig", {}).get("MaximumPollers")
    _check_provisioned_for_error_handling(where, properties)
    return KafkaMapping(
        name=f"{function}:{topics[0]}",
        function=function,
        topics=(str(topics[0]),),
        source=source,
        bootstrap_servers=bootstrap,
        consumer_group=str(group or f"local-{where.replace('.', '-')}"),
        event_source_arn=str(arn) if source == "aws:kafka" and arn else None,
        starting_position=position,  # type: ignore[arg-type]
        starting_timestamp=_timestamp(where, position, properties.get("StartingPositionTimestamp")),
        batch_size=batch_size,
        batching_window_seconds=float(properties.get("MaximumBatchingWindowInSeconds", 0.5)),
        maximum_retry_attempts=int(properties.get("MaximumRetryAttempts", -1)),
        maximum_record_age_seconds=int(properties.get("MaximumRecordAgeInSeconds", -1)),
        bisect_on_error=_flag(properties.get("BisectBatchOnFunctionError")),
        report_batch_item_failures="ReportBatchItemFailures" in properties.get("FunctionResponseTypes", []),
        on_failure_topic=_failure_topic(where, properties.get("DestinationConfig", {})),
        filters=_filters(where, properties.get("FilterCriteria", {})),
        maximum_pollers=int(pollers) if pollers else None,
    )


ERROR_HANDLING_CONTROLS = ("MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError",
                           "FunctionResponseTypes", "DestinationConfig")
"""A Kafka mapping's error handling controls: AWS accepts them only in provisioned mode."""


def _check_provisioned_for_error_handling(where: str, properties: Mapping[str, Any]) -> None:
    controls = [name for name in ERROR_HANDLING_CONTROLS if name in properties]
    if controls and "ProvisionedPollerConfig" not in properties:
        raise TemplateError(
            f"{where}: {', '.join(controls)} work on a Kafka mapping only in provisioned mode (AWS refuses "
            "them otherwise); add ProvisionedPollerConfig: {MinimumPollers: 1, MaximumPollers: N}")


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _timestamp(where: str, position: str, value: Any) -> float | None:
    if position != "AT_TIMESTAMP":
        return None
    if value is None:
        raise TemplateError(
            f"{where}: AT_TIMESTAMP needs StartingPositionTimestamp (seconds since the epoch)"
        )
    if isinstance(value, int | float) or str(value).replace(".", "", 1).isdigit():
        return float(value)
    return datetime.fromisoformat(str(value)).timestamp()


def _failure_topic(where: str, config: Mapping[str, Any]) -> str | None:
    destination = config.get("OnFailure", {}).get("Destination")
    if not destination:
        return None
    if not str(destination).startswith(KAFKA_DESTINATION_SCHEME):
        log.warning(
            "%s: on-failure destination %s does not run locally (only kafka://TOPIC); ignored",
            where,
            destination,
        )
        return None
    return str(destination).removeprefix(KAFKA_DESTINATION_SCHEME)


def _filters(where: str, criteria: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    patterns = []
    for item in criteria.get("Filters", []):
        try:
            pattern = json.loads(item["Pattern"]) if isinstance(item.get("Pattern"), str) else item["Pattern"]
        except (KeyError, json.JSONDecodeError):
            raise TemplateError(
                f"{where}: FilterCriteria pattern {item!r} is not JSON; fix the Pattern"
            ) from None
        patterns.append(pattern)
    return tuple(patterns)
