"""The emulator as a service of the local stack, so ``planetmail up`` runs it in the background.

The stack knows the emulator (its ports, its status path); the emulator knows nothing of the stack.

One line in ``planetmail_local.stack.components.stack_components``, after the topics and AWS resources::

    emulator_service(config),
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from planetmail.settings import ENV_ZOOKEEPER
from planetmail_local.emulator.lambda_api import STATUS_PATH
from planetmail_local.emulator.service import DEFAULT_API_PORT, DEFAULT_LAMBDA_PORT
from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.probes import http_ok
from planetmail_local.stack.service import CommandService, planetmail_cli

TEMPLATE = Path("template.yaml")
COORDINATION = {"local": "zookeeper", "aws": "aws"}
"""template.yaml's Coordination parameter for each target."""
NO_ZOOKEEPER = "127.0.0.1:1"
"""Where the functions of ``--target aws`` look for ZooKeeper: nothing listens, as on AWS."""


class EmulatorService(CommandService):
    def environment(self) -> Mapping[str, str]:
        """The stack's environment; for the aws target, ZooKeeper out of reach of everything the
        emulator runs (the emulator itself then stays out of the ZooKeeper registry too)."""
        environment = dict(super().environment())
        if self.config.target == "aws":
            environment[ENV_ZOOKEEPER] = NO_ZOOKEEPER
        return environment


def emulator_service(config: StackConfig, template: Path = TEMPLATE) -> EmulatorService:
    argv = planetmail_cli(
        "start", "-t", str(template), "--host", config.host,
        "--port", str(DEFAULT_API_PORT), "--lambda-port", str(DEFAULT_LAMBDA_PORT),
        "--log-dir", str(config.logs_dir / "functions"),
        "--parameter-overrides", f"Coordination={COORDINATION[config.target]}",
    )  # fmt: skip
    status_url = f"http://{config.host}:{DEFAULT_LAMBDA_PORT}{STATUS_PATH}"
    return EmulatorService(config, "emulator", DEFAULT_API_PORT, argv, lambda: http_ok(status_url))
