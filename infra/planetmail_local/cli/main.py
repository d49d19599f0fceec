"""The one ``planetmail`` command. Subcommands load lazily, so ``planetmail status`` stays fast."""

from __future__ import annotations

import importlib
import sys

import click

from planetmail.settings import SettingsError
from planetmail_local.bench.errors import BenchError
from planetmail_local.cli.errors import UserError
from planetmail_local.stack.errors import StackError

ENGINE_ERRORS = (StackError, BenchError, SettingsError)
"""Errors the engines (and the settings) raise with a '<cause>; <fix>' message, shown as the CLI's
one-line error."""

# name -> "module:attribute" of a click command; one line per subcommand.
COMMANDS: dict[str, str] = {
    "bench": "planetmail_local.cli.bench:bench",
    "classify": "planetmail_local.cli.model:classify",
    "config": "planetmail_local.cli.config:config",
    "dlq": "planetmail_local.cli.dlq:dlq",
    "down": "planetmail_local.cli.stack:down",
    "evaluate": "planetmail_local.cli.model:evaluate",
    "fuzz-intake": "planetmail_local.cli.fuzz_intake:fuzz_intake_command",
    "invoke": "planetmail_local.cli.emulator:invoke",
    "logs": "planetmail_local.cli.stack:logs",
    "dashboard": "planetmail_local.cli.dashboard:dashboard",
    "metrics": "planetmail_local.cli.metrics:metrics",
    "model": "planetmail_local.cli.model_promote:model",
    "send": "planetmail_local.cli.send:send",
    "sla-watch": "planetmail_local.cli.sla_watch:sla_watch",
    "start": "planetmail_local.cli.emulator:start",
    "status": "planetmail_local.cli.stack:status",
    "train": "planetmail_local.cli.model:train",
    "up": "planetmail_local.cli.stack:up",
}


class LazyGroup(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        """Engines raise their own errors; here, and only here, they become one-line CLI errors."""
        try:
            return super().invoke(ctx)
        except ENGINE_ERRORS as exc:
            raise UserError(str(exc)) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="planetmail")
def cli() -> None:
    """planetmail: collect, classify, route and acknowledge Daily Planet's inbound mail."""


def main() -> None:
    sys.exit(cli.main(standalone_mode=True))
