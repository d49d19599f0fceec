"""Where one stack instance lives (state folder) and which ports it uses.

Every port comes from Settings or, for the parts only the laptop has (the mail viewer, moto), from
their own variables here, so a second, throwaway instance runs beside the shared one by pointing
``PLANETMAIL_STATE_DIR`` and the port variables elsewhere (the integration tests do exactly that).
"""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from planetmail.settings import (
    ENV_AWS_ENDPOINT_URL,
    ENV_CACHE_DIR,
    ENV_KAFKA_BOOTSTRAP,
    ENV_SMTP_HOST,
    ENV_SMTP_PORT,
    ENV_STATE_DIR,
    ENV_ZOOKEEPER,
    Settings,
    SettingsError,
)

KAFKA_VERSION = "3.9.1"
KAFKA_CHROOT = "/kafka"
SECURE_PROTOCOL = "SASL_SSL"
"""The protocol of ``planetmail up --secure`` (SCRAM-SHA-512 over TLS, see stack/secure.py)."""
DEFAULT_AWS_ENDPOINT = "http://127.0.0.1:4566"
REPO_ROOT = Path(__file__).resolve().parents[3]
TARGETS = ("local", "aws")
ENV_SMTP_VIEWER_PORT = "PLANETMAIL_SMTP_VIEWER_PORT"
ENV_MOTO_PORT = "PLANETMAIL_MOTO_PORT"


@dataclasses.dataclass(frozen=True)
class StackConfig:
    state_dir: Path
    cache_dir: Path
    host: str = "127.0.0.1"
    zookeeper_port: int = 2181
    kafka_port: int = 9092
    aws_endpoint_url: str = DEFAULT_AWS_ENDPOINT
    smtp_port: int = 1025
    smtp_viewer_port: int = 8025
    moto_port: int = 4576
    """moto's server, behind the AWS endpoint (infra/aws_endpoint/front.js)."""
    secure: bool = False
    """Kafka on SASL_SSL only (``planetmail up --secure``); clients learn it from local.json."""
    target: str = "local"
    """What the emulator's functions run as (``planetmail up --target``): ``local`` (ZooKeeper
    coordination and configuration) or ``aws`` (DynamoDB coordination, SSM configuration, and no
    ZooKeeper reachable from the functions: the deployed shape, on the laptop)."""

    @classmethod
    def from_settings(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> StackConfig:
        """The instance ``settings`` point at; the laptop-only ports from ``environ`` (the process's)."""
        env = os.environ if environ is None else environ
        return cls(
            state_dir=Path(settings.state_dir),
            cache_dir=Path(settings.cache_dir),
            zookeeper_port=_port(settings.zookeeper),
            kafka_port=_port(settings.kafka_bootstrap.split(",")[0]),
            aws_endpoint_url=settings.aws_endpoint_url or DEFAULT_AWS_ENDPOINT,
            smtp_port=settings.smtp_port,
            smtp_viewer_port=_port_variable(env, ENV_SMTP_VIEWER_PORT, cls.smtp_viewer_port),
            moto_port=_port_variable(env, ENV_MOTO_PORT, cls.moto_port),
            secure=settings.kafka_security_protocol == SECURE_PROTOCOL,
        )

    @classmethod
    def on_free_ports(cls, state_dir: Path, cache_dir: Path) -> StackConfig:
        """A throwaway instance beside the shared one (tests, benchmarks)."""
        return cls(
            state_dir=state_dir, cache_dir=cache_dir, zookeeper_port=free_port(), kafka_port=free_port(),
            aws_endpoint_url=f"http://127.0.0.1:{free_port()}", smtp_port=free_port(),
            smtp_viewer_port=free_port(), moto_port=free_port(),
        )

    @property
    def aws_port(self) -> int:
        return urlsplit(self.aws_endpoint_url).port or 80

    @property
    def aws_host(self) -> str:
        return urlsplit(self.aws_endpoint_url).hostname or self.host

    @property
    def moto_url(self) -> str:
        return f"http://{self.host}:{self.moto_port}"

    @property
    def aws_packages(self) -> Path:
        """The AWS endpoint's npm packages (dynalite), installed from infra/aws_endpoint's lock file."""
        return self.cache_dir / "aws-endpoint"

    @property
    def spam_corpus(self) -> Path:
        """The SpamAssassin corpus (npm), installed from data/spamassassin's lock file."""
        return self.cache_dir / "spamassassin"

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    @property
    def zookeeper(self) -> str:
        return f"{self.host}:{self.zookeeper_port}"

    @property
    def smtp_viewer_url(self) -> str:
        return f"http://{self.host}:{self.smtp_viewer_port}"

    @property
    def kafka_lib(self) -> Path:
        return self.cache_dir / f"kafka-{KAFKA_VERSION}" / "lib"

    @property
    def conf_dir(self) -> Path:
        return self.state_dir / "conf"

    @property
    def run_dir(self) -> Path:
        return self.state_dir / "run"

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def data_dir(self) -> Path:
        return self.state_dir / "data"

    @property
    def tls_dir(self) -> Path:
        return self.state_dir / "tls"

    @property
    def local_file(self) -> Path:
        return self.state_dir / "local.json"

    def log_file(self, service: str) -> Path:
        return self.logs_dir / f"{service}.log"

    def pid_file(self, service: str) -> Path:
        return self.run_dir / f"{service}.pid"

    def environment(self) -> dict[str, str]:
        """Variables pointing a process (a service, a ``planetmail`` command) at this instance."""
        return {
            ENV_STATE_DIR: str(self.state_dir),
            ENV_CACHE_DIR: str(self.cache_dir),
            ENV_ZOOKEEPER: self.zookeeper,
            ENV_KAFKA_BOOTSTRAP: self.kafka_bootstrap,
            ENV_AWS_ENDPOINT_URL: self.aws_endpoint_url,
            ENV_SMTP_HOST: self.host,
            ENV_SMTP_PORT: str(self.smtp_port),
            ENV_SMTP_VIEWER_PORT: str(self.smtp_viewer_port),
            ENV_MOTO_PORT: str(self.moto_port),
        }

    def settings(self) -> Settings:
        """Settings a client of this instance uses (explicit values beat env and local.json)."""
        return Settings.load(
            state_dir=self.state_dir,
            kafka_bootstrap=self.kafka_bootstrap,
            zookeeper=self.zookeeper,
            aws_endpoint_url=self.aws_endpoint_url,
            smtp_host=self.host,
            smtp_port=self.smtp_port,
        )


def _port_variable(env: Mapping[str, str], variable: str, default: int) -> int:
    raw = env.get(variable) or str(default)
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SettingsError(f"{variable}={raw!r} is not a TCP port; set it to a number from 1 to 65535")
    return int(raw)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port(address: str) -> int:
    """The port of ``host:port`` (a ZooKeeper chroot suffix such as ``/kafka`` is ignored)."""
    return int(address.split("/", maxsplit=1)[0].rsplit(":", 1)[1])
