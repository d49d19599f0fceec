"""The non-JVM services: the AWS endpoint (dynalite in front of moto's server) and the SMTP sink."""

from __future__ import annotations

import shutil
from collections.abc import Mapping

from planetmail.settings import ENV_AWS_ENDPOINT_URL, ENV_SMTP_PORT
from planetmail_local.stack.config import ENV_MOTO_PORT, StackConfig
from planetmail_local.stack.npm import FRONT_SCRIPT
from planetmail_local.stack.probes import aws_endpoint_serving, http_ok
from planetmail_local.stack.process import port_open
from planetmail_local.stack.service import ManagedService, python_module


class MotoServer(ManagedService):
    """moto's standalone server: S3, SES, SSM and Secrets Manager, reached through :class:`AwsEndpoint`."""

    name = "moto"
    port_setting = ENV_MOTO_PORT
    start_timeout = 30.0

    def __init__(self, config: StackConfig) -> None:
        super().__init__(config, config.moto_port)

    def command(self) -> list[str]:
        return python_module("moto.server", "-H", self.host, "-p", str(self.port))

    def healthy(self) -> bool:
        return http_ok(f"{self.config.moto_url}/moto-api/")


class AwsEndpoint(ManagedService):
    """The one AWS endpoint URL clients use: infra/aws_endpoint/front.js serves DynamoDB with dynalite
    and forwards everything else to :class:`MotoServer`. A LocalStack already answering on the endpoint
    is reused instead."""

    name = "aws"
    port_setting = ENV_AWS_ENDPOINT_URL
    start_timeout = 30.0

    def __init__(self, config: StackConfig) -> None:
        super().__init__(config, config.aws_port, config.aws_host)

    def command(self) -> list[str]:
        node = shutil.which("node") or "node"
        return [node, str(FRONT_SCRIPT), "--host", self.host, "--port", str(self.port),
                "--moto", self.config.moto_url]

    def environment(self) -> Mapping[str, str]:
        return {**super().environment(), "NODE_PATH": str(self.config.aws_packages / "node_modules")}

    def healthy(self) -> bool:
        return aws_endpoint_serving(self.config.aws_endpoint_url)


class SmtpSink(ManagedService):
    """aiosmtpd storing .eml files, plus the web mail viewer on ``smtp_viewer_port``."""

    name = "smtp"
    port_setting = ENV_SMTP_PORT
    start_timeout = 30.0

    def __init__(self, config: StackConfig) -> None:
        super().__init__(config, config.smtp_port)

    def command(self) -> list[str]:
        return python_module(
            "planetmail_local.smtp_sink", "--host", self.host, "--port", str(self.port),
            "--viewer-port", str(self.config.smtp_viewer_port),
            "--mail-dir", str(self.config.data_dir / "smtp"),
        )

    def healthy(self) -> bool:
        return port_open(self.host, self.port) and http_ok(f"{self.config.smtp_viewer_url}/api/health")
