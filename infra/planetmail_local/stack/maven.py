"""Resolve the Kafka jars with Maven into the cache folder (outside git), once."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from planetmail_local.cli.errors import UserError
from planetmail_local.stack.config import KAFKA_VERSION, REPO_ROOT, StackConfig

POM = REPO_ROOT / "infra" / "maven" / "pom.xml"


def resolve_kafka(config: StackConfig) -> Path:
    """``config.kafka_lib`` filled with Kafka's runtime jars; Maven runs only when it is missing."""
    lib = config.kafka_lib
    if _complete(lib):
        return lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise UserError("mvn not found on PATH; install Apache Maven 3.8+ (mvn -v) and retry")
    log = config.log_file("kafka-jars")
    log.parent.mkdir(parents=True, exist_ok=True)
    lib.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="lib-", dir=lib.parent))
    argv = [mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies", f"-DoutputDirectory={staging}"]
    with log.open("ab") as out:
        result = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0 or not _has_kafka(staging):
        shutil.rmtree(staging, ignore_errors=True)
        raise UserError(
            f"Maven could not resolve Kafka {KAFKA_VERSION} (no network or no access to Maven Central?); "
            f"fix the network or proxy (~/.m2/settings.xml) and run 'planetmail up' again; log: {log}"
        )
    (staging / ".complete").touch()
    shutil.rmtree(lib, ignore_errors=True)
    staging.rename(lib)
    return lib


def _has_kafka(lib: Path) -> bool:
    return any(lib.glob(f"kafka_2.13-{KAFKA_VERSION}.jar"))


def _complete(lib: Path) -> bool:
    return (lib / ".complete").is_file() and _has_kafka(lib)
