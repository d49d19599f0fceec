"""ZooKeeper and the Kafka broker (ZooKeeper mode) as plain JVM processes on the Maven-resolved jars."""

from __future__ import annotations

import shutil
from pathlib import Path

from planetmail.settings import ENV_KAFKA_BOOTSTRAP, ENV_ZOOKEEPER
from planetmail_local.stack.config import KAFKA_CHROOT, StackConfig
from planetmail_local.stack.errors import StackError
from planetmail_local.stack.local_file import read_local_file
from planetmail_local.stack.probes import kafka_serving, zookeeper_serving
from planetmail_local.stack.secure import listener_properties
from planetmail_local.stack.service import ManagedService

LOG4J = """\
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.org.apache.zookeeper=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
"""


def write_properties(path: Path, values: dict[str, object]) -> Path:
    """Written 0600: the broker's file carries its SCRAM password and TLS key in secure mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()), encoding="utf-8")
    return path


def java_executable() -> str:
    java = shutil.which("java")
    if java is None:
        raise StackError("java not found on PATH; install Java 17+ (java -version) and retry")
    return java


def java_tool(config: StackConfig) -> list[str]:
    """``java`` with the Kafka jars on the classpath, for a one-shot tool: append its class and arguments."""
    return [java_executable(), "-Xmx128m", "-XX:+UseSerialGC", "-cp", f"{config.kafka_lib}/*"]


class JvmService(ManagedService):
    main_class = ""
    heap = "-Xmx256m"

    def java_command(self, properties: Path) -> list[str]:
        java = java_executable()
        log4j = self.config.conf_dir / "log4j.properties"
        log4j.parent.mkdir(parents=True, exist_ok=True)
        log4j.write_text(LOG4J, encoding="utf-8")
        return [
            java, self.heap, "-Xms64m", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{log4j}", f"-Dkafka.logs.dir={self.config.logs_dir}",
            "-Dzookeeper.admin.enableServer=false",
            "-cp", f"{self.config.kafka_lib}/*", self.main_class, str(properties),
        ]


class ZooKeeper(JvmService):
    name = "zookeeper"
    main_class = "org.apache.zookeeper.server.quorum.QuorumPeerMain"
    heap = "-Xmx256m"
    port_setting = ENV_ZOOKEEPER

    def __init__(self, config: StackConfig) -> None:
        super().__init__(config, config.zookeeper_port)

    def command(self) -> list[str]:
        properties = write_properties(self.config.conf_dir / "zookeeper.properties", {
            "dataDir": self.config.data_dir / "zookeeper",
            "clientPort": self.port,
            "clientPortAddress": self.host,
            "maxClientCnxns": 0,
            "admin.enableServer": "false",
            "4lw.commands.whitelist": "ruok,srvr,stat,mntr",
        })
        return self.java_command(properties)

    def healthy(self) -> bool:
        return zookeeper_serving(self.host, self.port)


class Kafka(JvmService):
    name = "kafka"
    main_class = "kafka.Kafka"
    # Every test isolates itself on ~45 partitions of its own: a whole test session puts thousands
    # of partitions on this one broker, which a 384 MB heap did not survive (OutOfMemoryError).
    heap = "-Xmx1g"
    port_setting = ENV_KAFKA_BOOTSTRAP
    start_timeout = 90.0

    def __init__(self, config: StackConfig) -> None:
        super().__init__(config, config.kafka_port)

    def command(self) -> list[str]:
        properties = write_properties(self.config.conf_dir / "kafka.properties", {
            "broker.id": 0,
            **listener_properties(self.config, read_local_file(self.config)),
            "zookeeper.connect": f"{self.config.zookeeper}{KAFKA_CHROOT}",
            "zookeeper.session.timeout.ms": 6000,
            "log.dirs": self.config.data_dir / "kafka",
            "num.partitions": 1,
            "auto.create.topics.enable": "false",
            "offsets.topic.replication.factor": 1,
            "offsets.topic.num.partitions": 10,
            "transaction.state.log.replication.factor": 1,
            "transaction.state.log.min.isr": 1,
            "group.initial.rebalance.delay.ms": 0,
            "num.network.threads": 2,
            "num.io.threads": 2,
            "log.cleaner.dedupe.buffer.size": 8 * 1024 * 1024,
        })
        return self.java_command(properties)

    def healthy(self) -> bool:
        return kafka_serving(self.config.settings())
