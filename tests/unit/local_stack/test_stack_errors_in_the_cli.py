"""The stack engine raises StackError; the CLI (and only the CLI) shows it as one line, exit 2."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from planetmail_local.cli import main
from planetmail_local.stack.errors import StackError


@click.command()
def broken() -> None:
    raise StackError("port 9092 for kafka is taken by pid 7; stop it or set PLANETMAIL_KAFKA_BOOTSTRAP")


def test_a_stack_error_is_one_line_naming_cause_and_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(main.COMMANDS, "broken", f"{__name__}:broken")

    result = CliRunner().invoke(main.cli, ["broken"])

    assert result.exit_code == 2
    assert result.output == ("planetmail: error: port 9092 for kafka is taken by pid 7; "
                             "stop it or set PLANETMAIL_KAFKA_BOOTSTRAP\n")
