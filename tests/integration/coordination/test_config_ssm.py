"""The SSM Parameter Store configuration source against the local AWS endpoint (moto)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from planetmail import aws
from planetmail.config import ParameterStoreConfigSource, config_source, render_document
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def ssm_settings(stack_settings: Settings) -> Settings:
    return dataclasses.replace(stack_settings, config_source="ssm", config_refresh_seconds=0,
                               config_parameter=f"/planetmail-test-{uuid.uuid4().hex[:12]}/config")


@pytest.fixture
def ssm(ssm_settings: Settings) -> Iterator[Any]:
    client = aws.client("ssm", ssm_settings)
    yield client
    client.delete_parameters(Names=[ssm_settings.config_parameter])


def _put(ssm: Any, settings: Settings, value: str) -> None:
    ssm.put_parameter(Name=settings.config_parameter, Value=value, Type="String", Overwrite=True)


def test_the_parameter_is_read_and_updates_apply(ssm_settings: Settings, ssm: Any) -> None:
    _put(ssm, ssm_settings, render_document(PipelineConfig(sla_seconds=60)).decode())
    source = config_source(ssm_settings)
    assert isinstance(source, ParameterStoreConfigSource)
    assert (source.current().sla_seconds, source.version) == (60, 1)
    _put(ssm, ssm_settings, '{"sla_seconds": 90, "reply_policy": {"enabled": false}}')
    config = source.current()
    assert (config.sla_seconds, config.reply_policy.enabled, source.version) == (90, False, 2)


def test_a_bad_parameter_value_keeps_the_last_good_version(ssm_settings: Settings, ssm: Any) -> None:
    _put(ssm, ssm_settings, '{"sla_seconds": 60}')
    source = config_source(ssm_settings)
    assert source.current().sla_seconds == 60
    _put(ssm, ssm_settings, '{"sla_seconds": "soon"}')
    assert source.current().sla_seconds == 60


def test_a_missing_parameter_serves_the_environment_document(ssm_settings: Settings, ssm: Any) -> None:
    settings = dataclasses.replace(ssm_settings, config_document='{"confidence_threshold": 0.9}')
    source = config_source(settings)
    assert (source.current().confidence_threshold, getattr(source, "version", None)) == (0.9, None)
    _put(ssm, settings, '{"confidence_threshold": 0.6}')
    assert source.current().confidence_threshold == 0.6
