from __future__ import annotations

from pathlib import Path

from planetmail.settings import Settings
from planetmail_local.stack.components import stack_components, stack_services
from planetmail_local.stack.config import StackConfig


def test_ports_come_from_the_settings(tmp_path: Path) -> None:
    settings = Settings.load({}, state_dir=tmp_path, zookeeper="127.0.0.1:12181/kafka",
                             kafka_bootstrap="127.0.0.1:19092,127.0.0.1:19093",
                             aws_endpoint_url="http://127.0.0.1:14566", smtp_port=11025,
                             smtp_viewer_port=18025)
    config = StackConfig.from_settings(settings)
    assert (config.zookeeper_port, config.kafka_port, config.aws_port) == (12181, 19092, 14566)
    assert (config.smtp_port, config.smtp_viewer_port) == (11025, 18025)
    assert config.smtp_viewer_url == "http://127.0.0.1:18025"


def test_defaults_are_the_standard_ports_and_the_moto_endpoint(tmp_path: Path) -> None:
    config = StackConfig.from_settings(Settings.load({}, state_dir=tmp_path))
    assert (config.zookeeper_port, config.kafka_port, config.aws_endpoint_url) == (
        2181, 9092, "http://127.0.0.1:4566")


def test_state_lives_under_the_state_folder(tmp_path: Path) -> None:
    config = StackConfig(state_dir=tmp_path / ".planetmail", cache_dir=tmp_path / "cache")
    assert config.log_file("kafka") == tmp_path / ".planetmail" / "logs" / "kafka.log"
    assert config.pid_file("kafka") == tmp_path / ".planetmail" / "run" / "kafka.pid"
    assert config.kafka_lib == tmp_path / "cache" / "kafka-3.9.1" / "lib"


def test_start_order_is_jars_services_then_topics_and_aws(tmp_path: Path) -> None:
    config = StackConfig(state_dir=tmp_path, cache_dir=tmp_path)
    assert [c.name for c in stack_components(config)] == [
        "kafka-jars", "zookeeper", "kafka-security", "kafka", "aws-packages", "moto", "aws", "smtp", "topics",
        "aws-resources"]
    assert [s.name for s in stack_services(config)] == ["zookeeper", "kafka", "moto", "aws", "smtp"]


def test_client_settings_address_this_instance(tmp_path: Path) -> None:
    config = StackConfig(state_dir=tmp_path, cache_dir=tmp_path, kafka_port=19092, zookeeper_port=12181)
    settings = config.settings()
    assert (settings.kafka_bootstrap, settings.zookeeper) == ("127.0.0.1:19092", "127.0.0.1:12181")
