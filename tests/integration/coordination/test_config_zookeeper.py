"""The ZooKeeper configuration source against the shared ZooKeeper: hot reload, last known good,
compare-and-set."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from coordination_waiting import wait_for
from coordination_zookeeper import expire_session
from kazoo.client import KazooClient

from planetmail.config import ConfigConflictError, config_source
from planetmail.config.zookeeper import ZooKeeperConfigSource, config_path, read_document, write_document
from planetmail.coordination.client import new_client
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def source(zk_settings: Settings) -> Iterator[ZooKeeperConfigSource]:
    created = config_source(zk_settings)
    assert isinstance(created, ZooKeeperConfigSource)
    yield created
    created.close()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="planetmail.config")
    return caplog


def test_defaults_until_a_document_is_stored_then_every_change_applies(
        zk_settings: Settings, zk_client: KazooClient, source: ZooKeeperConfigSource) -> None:
    assert source.wait_loaded(5)
    assert (source.current(), source.version) == (PipelineConfig(), None)
    path = config_path(zk_settings)
    write_document(zk_client, path, PipelineConfig(sla_seconds=60), None)
    assert wait_for(lambda: source.current().sla_seconds == 60)
    write_document(zk_client, path, PipelineConfig(sla_seconds=60, confidence_threshold=0.8), 0)
    assert wait_for(lambda: source.current().confidence_threshold == 0.8)
    assert source.version == 1


def test_a_stored_document_is_there_from_the_start(zk_settings: Settings, zk_client: KazooClient) -> None:
    write_document(zk_client, config_path(zk_settings), PipelineConfig(sla_seconds=42), None)
    source = config_source(zk_settings)
    try:
        assert source.current().sla_seconds == 42
    finally:
        source.close()


@pytest.mark.parametrize("bad", [b'{"sla_seconds": 0}', b"not json", b'{"routing": "nowhere"}'])
def test_a_bad_document_is_rejected_and_the_last_good_one_kept(
        zk_settings: Settings, zk_client: KazooClient, source: ZooKeeperConfigSource,
        logs: pytest.LogCaptureFixture, bad: bytes) -> None:
    path = config_path(zk_settings)
    write_document(zk_client, path, PipelineConfig(sla_seconds=60), None)
    assert wait_for(lambda: source.version == 0)
    zk_client.set(path, bad)
    assert wait_for(lambda: "configuration version 1 rejected" in logs.text)
    assert (source.current().sla_seconds, source.version) == (60, 0)
    write_document(zk_client, path, PipelineConfig(sla_seconds=90), 1)
    assert wait_for(lambda: source.current().sla_seconds == 90)


def test_a_deleted_document_keeps_the_last_configuration(
        zk_settings: Settings, zk_client: KazooClient, source: ZooKeeperConfigSource,
        logs: pytest.LogCaptureFixture) -> None:
    path = config_path(zk_settings)
    write_document(zk_client, path, PipelineConfig(sla_seconds=60), None)
    assert wait_for(lambda: source.version == 0)
    zk_client.delete(path)
    assert wait_for(lambda: "is gone or empty; keeping version 0" in logs.text)
    assert source.current().sla_seconds == 60


def test_writes_compare_and_set_on_the_znode_version(zk_settings: Settings, zk_client: KazooClient) -> None:
    path = config_path(zk_settings)
    assert read_document(zk_client, path).version is None
    assert write_document(zk_client, path, PipelineConfig(sla_seconds=10), None) == 0
    with pytest.raises(ConfigConflictError):
        write_document(zk_client, path, PipelineConfig(sla_seconds=20), None)
    assert write_document(zk_client, path, PipelineConfig(sla_seconds=30), 0) == 1
    with pytest.raises(ConfigConflictError):
        write_document(zk_client, path, PipelineConfig(sla_seconds=40), 0)
    stored = read_document(zk_client, path)
    assert stored.version == 1
    assert PipelineConfig.model_validate_json(stored.raw).sla_seconds == 30


def test_changes_apply_again_after_the_session_expired(zk_settings: Settings, zk_client: KazooClient) -> None:
    path = config_path(zk_settings)
    write_document(zk_client, path, PipelineConfig(sla_seconds=60), None)
    client = new_client(zk_settings)
    client.start(timeout=10)
    source = ZooKeeperConfigSource(client, path)
    try:
        assert wait_for(lambda: source.version == 0)
        expire_session(client)
        assert source.current().sla_seconds == 60
        write_document(zk_client, path, PipelineConfig(sla_seconds=90), 0)
        assert wait_for(lambda: source.current().sla_seconds == 90)
    finally:
        client.stop()
        client.close()
