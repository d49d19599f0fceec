"""planetmail.config: document parsing and the environment / SSM backends (SSM faked here)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from planetmail.config import (
    ConfigDocumentError,
    ParameterStoreConfigSource,
    StaticConfigSource,
    config_source,
    environment_config,
    parse_document,
)
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import ENV_CONFIG_DOCUMENT, Settings, SettingsError


def _document(**changes: Any) -> str:
    return json.dumps({**PipelineConfig().model_dump(mode="json"), **changes})


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("{not json", "document"),
        (json.dumps({"confidence_threshold": 1.5}), "confidence_threshold"),
        (json.dumps({"reply_policy": {"per_recipient_cap": 0}}), "reply_policy.per_recipient_cap"),
        (json.dumps({"colour": "blue"}), "colour"),
    ],
)
def test_a_bad_document_is_named_field_by_field(raw: str, names: str) -> None:
    with pytest.raises(ConfigDocumentError, match=names):
        parse_document(raw)


def test_a_partial_document_fills_in_the_defaults() -> None:
    config = parse_document('{"sla_seconds": 60}')
    assert config.sla_seconds == 60
    assert config.reply_policy == PipelineConfig().reply_policy


def test_environment_document_or_defaults() -> None:
    assert environment_config(Settings.load({})) == PipelineConfig()
    settings = Settings.load({ENV_CONFIG_DOCUMENT: _document(confidence_threshold=0.8)})
    assert environment_config(settings).confidence_threshold == 0.8


def test_a_bad_environment_document_fails_fast_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match=f"{ENV_CONFIG_DOCUMENT} .*confidence_threshold"):
        environment_config(Settings.load({ENV_CONFIG_DOCUMENT: '{"confidence_threshold": -1}'}))


class FakeSsm:
    """get_parameter answering the latest put (its version counts up) or raising ``error``."""

    def __init__(self) -> None:
        self.version = 0
        self.value = ""
        self.error: Exception | None = None
        self.reads = 0

    def put(self, value: str) -> None:
        self.version += 1
        self.value = value

    def get_parameter(self, *, Name: str, WithDecryption: bool) -> dict[str, Any]:
        self.reads += 1
        if self.error is not None:
            raise self.error
        return {"Parameter": {"Name": Name, "Value": self.value, "Version": self.version}}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _ssm_source(ssm: FakeSsm, clock: Clock,
                fallback: PipelineConfig | None = None) -> ParameterStoreConfigSource:
    return ParameterStoreConfigSource(ssm, "/planetmail/config", refresh_seconds=30,
                                      fallback=fallback or PipelineConfig(), clock=clock)


def test_ssm_is_read_at_first_use_then_at_most_every_refresh_interval() -> None:
    ssm, clock = FakeSsm(), Clock()
    ssm.put(_document(sla_seconds=120))
    source = _ssm_source(ssm, clock)
    assert source.current().sla_seconds == 120
    ssm.put(_document(sla_seconds=90))
    clock.now += 29
    assert source.current().sla_seconds == 120
    clock.now += 1
    assert source.current().sla_seconds == 90
    assert (ssm.reads, source.version) == (2, 2)


def test_ssm_keeps_the_last_good_version_when_a_bad_one_is_written() -> None:
    ssm, clock = FakeSsm(), Clock()
    ssm.put(_document(sla_seconds=120))
    source = _ssm_source(ssm, clock)
    source.current()
    ssm.put('{"sla_seconds": 0}')
    clock.now += 30
    assert (source.current().sla_seconds, source.version) == (120, 1)
    ssm.put(_document(sla_seconds=45))
    clock.now += 30
    assert (source.current().sla_seconds, source.version) == (45, 3)


@pytest.mark.parametrize(
    "error",
    [
        ClientError({"Error": {"Code": "ParameterNotFound", "Message": "no"}}, "GetParameter"),
        EndpointConnectionError(endpoint_url="https://ssm.us-east-1.amazonaws.com"),
    ],
)
def test_ssm_unreadable_serves_the_fallback_then_the_last_good(error: Exception) -> None:
    ssm, clock = FakeSsm(), Clock()
    ssm.error = error
    source = _ssm_source(ssm, clock, fallback=PipelineConfig(sla_seconds=200))
    assert source.current().sla_seconds == 200
    ssm.error = None
    ssm.put(_document(sla_seconds=100))
    clock.now += 30
    assert source.current().sla_seconds == 100
    ssm.error = error
    clock.now += 30
    assert source.current().sla_seconds == 100


def test_the_factory_picks_the_backend_from_settings() -> None:
    document = _document(confidence_threshold=0.9)
    environment = config_source(Settings.load({}, config_source="environment", config_document=document))
    assert isinstance(environment, StaticConfigSource)
    assert environment.current().confidence_threshold == 0.9
    ssm = config_source(Settings.load({}, config_source="ssm", aws_endpoint_url="http://127.0.0.1:9"))
    assert isinstance(ssm, ParameterStoreConfigSource)


def test_the_zookeeper_backend_is_the_default() -> None:
    assert Settings.load({}).config_source == "zookeeper"
