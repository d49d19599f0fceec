"""The emulator as a service of the local stack, so ``planetmail up`` runs it in the background.

The stack knows the emulator (its ports, its status path); the emulator knows nothing of the stack.

One line in ``planetmail_local.stack.components.stack_components``, after the topics and AWS resources::

    emulator_service(config),
"""

from __future__ import annotations

from pathlib import Path

from planetmail_local.emulator.lambda_api import STATUS_PATH
from planetmail_local.emulator.service import DEFAULT_API_PORT, DEFAULT_LAMBDA_PORT
from planetmail_local.stack.config import StackConfig
from planetmail_local.stack.probes import http_ok
from planetmail_local.stack.service import CommandService, planetmail_cli

TEMPLATE = Path("template.yaml")


def emulator_service(config: StackConfig, template: Path = TEMPLATE) -> CommandService:
    argv = planetmail_cli(
        "start", "-t", str(template), "--host", config.host,
        "--port", str(DEFAULT_API_PORT), "--lambda-port", str(DEFAULT_LAMBDA_PORT),
        "--log-dir", str(config.logs_dir / "functions"),
    )  # fmt: skip
    status_url = f"http://{config.host}:{DEFAULT_LAMBDA_PORT}{STATUS_PATH}"
    return CommandService(config, "emulator", DEFAULT_API_PORT, argv, lambda: http_ok(status_url))
