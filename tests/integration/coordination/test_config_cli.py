"""``planetmail config get|set|edit`` against the shared ZooKeeper and Kafka: versions, validation,
compare-and-set and the announcement on mail.events."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from coordination_waiting import wait_for
from kafka import TopicPartition

from planetmail import codec, topics
from planetmail.config import config_source
from planetmail.kafka import make_consumer
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import Settings
from planetmail_local.cli.main import cli
from planetmail_local.stack.config import free_port

pytestmark = pytest.mark.integration

EDITOR = """\
import json, sys
path = sys.argv[1]
with open(path) as handle:
    document = json.load(handle)
document.update(json.loads({changes!r}))
with open(path, "w") as handle:
    json.dump(document, handle)
"""


@pytest.fixture
def settings(isolated_settings: Settings, zk_settings: Settings) -> Settings:
    return dataclasses.replace(isolated_settings, zk_root=zk_settings.zk_root)


def _environment(settings: Settings, **extra: str) -> dict[str, str]:
    return {"PLANETMAIL_ZOOKEEPER": settings.zookeeper, "PLANETMAIL_ZK_ROOT": settings.zk_root,
            "PLANETMAIL_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
            "PLANETMAIL_TOPIC_PREFIX": settings.topic_prefix, **extra}


def _run(settings: Settings, *args: str, **extra: str) -> Result:
    return CliRunner().invoke(cli, ["config", *args], env=_environment(settings, **extra))


def _announcements(settings: Settings) -> list[LifecycleEvent]:
    consumer = make_consumer(settings, group_id=None, consumer_timeout_ms=1500)
    topic = settings.topic(topics.EVENTS)
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    events = [codec.decode_as(LifecycleEvent, record.value) for record in consumer]
    consumer.close()
    return sorted(events, key=lambda event: event.detail["version"])


def _editor(tmp_path: Path, changes: dict[str, object]) -> str:
    script = tmp_path / "editor.py"
    script.write_text(EDITOR.format(changes=json.dumps(changes)))
    return f"{sys.executable} {script}"


def test_set_get_and_every_change_announced_with_its_version(settings: Settings) -> None:
    first = _run(settings, "set", "confidence_threshold=0.7", "reply_policy.per_recipient_cap=5")
    assert first.exit_code == 0, first.output
    assert "configuration version 0" in first.output
    second = _run(settings, "set", "sender.display_name=Planet Desk")
    assert "configuration version 1" in second.output
    shown = _run(settings, "get", "reply_policy")
    assert json.loads(shown.stdout)["per_recipient_cap"] == 5
    assert "version 1" in shown.stderr
    assert json.loads(_run(settings, "get", "sender.display_name").stdout) == "Planet Desk"
    events = _announcements(settings)
    assert [(e.id, e.stage, e.state, e.detail["version"]) for e in events] == [
        ("config-v0", "config", "config_changed", 0), ("config-v1", "config", "config_changed", 1),
    ]
    assert events[0].detail["changes"] == {"confidence_threshold": 0.7, "reply_policy.per_recipient_cap": 5}


def test_a_running_source_sees_the_change(settings: Settings) -> None:
    source = config_source(settings)
    try:
        assert _run(settings, "set", "sla_seconds=120").exit_code == 0
        assert wait_for(lambda: source.current().sla_seconds == 120)
    finally:
        source.close()


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("confidence_threshold=1.5", "confidence_threshold: Input should be less than or equal to 1"),
        ("reply_policy.per_recipient_cap=0", "reply_policy.per_recipient_cap: Input should be greater"),
        ("nonsense=1", "nonsense: Extra inputs are not permitted"),
    ],
)
def test_an_invalid_value_is_refused_in_one_line_and_nothing_is_saved(zk_settings: Settings,
                                                                    assignment: str,
                                                                    message: str) -> None:
    result = _run(zk_settings, "set", assignment)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "version none" in _run(zk_settings, "get").stderr


def test_a_stale_expected_version_is_refused(settings: Settings) -> None:
    assert _run(settings, "set", "sla_seconds=100").exit_code == 0
    assert _run(settings, "set", "--expect-version", "0", "sla_seconds=110").exit_code == 0
    stale = _run(settings, "set", "--expect-version", "0", "sla_seconds=120")
    assert stale.exit_code == 2
    assert "changed since version 0" in stale.stderr
    assert _run(settings, "get", "sla_seconds").stdout.strip() == "110"


def test_edit_saves_a_valid_document_and_announces_what_changed(settings: Settings, tmp_path: Path) -> None:
    result = _run(settings, "edit", EDITOR=_editor(tmp_path, {"sla_seconds": 42, "default_language": "es"}))
    assert result.exit_code == 0, result.output
    assert "configuration version 0 saved" in result.output
    assert _run(settings, "get", "sla_seconds").stdout.strip() == "42"
    [event] = _announcements(settings)
    assert event.detail["changes"] == {"default_language": "es", "sla_seconds": 42}


def test_edit_refuses_an_invalid_document(zk_settings: Settings, tmp_path: Path) -> None:
    result = _run(zk_settings, "edit", EDITOR=_editor(tmp_path, {"sla_seconds": -1}))
    assert result.exit_code == 2
    assert "the edited configuration is invalid (sla_seconds: Input should be greater" in result.stderr
    assert "nothing was saved" in result.stderr
    assert "version none" in _run(zk_settings, "get").stderr


def test_unreachable_zookeeper_is_one_line(zk_settings: Settings) -> None:
    result = _run(zk_settings, "get", PLANETMAIL_ZOOKEEPER=f"127.0.0.1:{free_port()}")
    assert result.exit_code == 2
    assert result.stderr.startswith("planetmail: error: ZooKeeper at 127.0.0.1:")
    assert "Traceback" not in result.output
