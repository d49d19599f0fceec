"""Resolve the Kafka jars with Maven into the cache folder (outside git), once per pom.xml."""

from __future__ import annotations

import shutil
from pathlib import Path

from planetmail_local.stack.config import KAFKA_VERSION, REPO_ROOT, StackConfig
from planetmail_local.stack.errors import StackError
from planetmail_local.stack.staged import StagedInstall

POM = REPO_ROOT / "infra" / "maven" / "pom.xml"


def resolve_kafka(config: StackConfig) -> Path:
    """``config.kafka_lib`` filled with Kafka's runtime jars; Maven runs only when they are missing."""
    install = StagedInstall(config.kafka_lib, POM, config.log_file("kafka-jars"), complete=_has_kafka)
    if install.installed():
        return install.target
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError("mvn not found on PATH; install Apache Maven 3.8+ (mvn -v) and retry")
    return install.run(
        lambda staging: [mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
                         f"-DoutputDirectory={staging}"],
        f"Maven could not resolve Kafka {KAFKA_VERSION} (no network or no access to Maven Central?); "
        "fix the network or proxy (~/.m2/settings.xml) and run 'planetmail up' again")


def _has_kafka(lib: Path) -> bool:
    return any(lib.glob(f"kafka_2.13-{KAFKA_VERSION}.jar"))
