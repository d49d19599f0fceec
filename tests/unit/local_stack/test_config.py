from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from planetmail.settings import Settings, SettingsError
from planetmail_local.cli.main import cli
from planetmail_local.stack.components import stack_components, stack_services
from planetmail_local.stack.config import ENV_MOTO_PORT, ENV_SMTP_VIEWER_PORT, StackConfig


def test_ports_come_from_the_settings(tmp_path: Path) -> None:
    settings = Settings.load({}, state_dir=tmp_path, zookeeper="127.0.0.1:12181/kafka",
                             kafka_bootstrap="127.0.0.1:19092,127.0.0.1:19093",
                             aws_endpoint_url="http://127.0.0.1:14566", smtp_port=11025)
    config = StackConfig.from_settings(settings, {ENV_SMTP_VIEWER_PORT: "18025", ENV_MOTO_PORT: "14576"})
    assert (config.zookeeper_port, config.kafka_port, config.aws_port) == (12181, 19092, 14566)
    assert (config.smtp_port, config.smtp_viewer_port, config.moto_port) == (11025, 18025, 14576)
    assert config.smtp_viewer_url == "http://127.0.0.1:18025"


def test_the_laptop_only_ports_are_not_settings_the_functions_load(tmp_path: Path) -> None:
    """The mail viewer and moto exist only on the laptop: Lambda's Settings have no field for them."""
    settings = Settings.load({ENV_SMTP_VIEWER_PORT: "18025", ENV_MOTO_PORT: "14576"}, state_dir=tmp_path)
    assert not {"smtp_viewer_port", "moto_port"} & {field.name for field in dataclasses.fields(settings)}
    defaults = StackConfig.from_settings(settings, {})
    assert (defaults.smtp_viewer_port, defaults.moto_port) == (8025, 4576)


@pytest.mark.parametrize("value", ["eighty", "0", "70000"])
def test_a_bad_laptop_port_is_refused_naming_the_variable(tmp_path: Path, value: str) -> None:
    with pytest.raises(SettingsError, match=f"{ENV_MOTO_PORT}='{value}' is not a TCP port"):
        StackConfig.from_settings(Settings.load({}, state_dir=tmp_path), {ENV_MOTO_PORT: value})


def test_a_bad_setting_is_one_cli_line_not_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["status"], env={"PLANETMAIL_STATE_DIR": str(tmp_path),
                                                      "PLANETMAIL_SMTP_PORT": "twenty-five"})
    assert result.exit_code == 2
    assert "PLANETMAIL_SMTP_PORT='twenty-five' is not a whole number" in result.output
    assert "Traceback" not in result.output


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
