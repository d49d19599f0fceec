"""User-facing CLI errors: one line naming the cause and the fix, non-zero exit, no traceback."""

from __future__ import annotations

import click


class UserError(click.ClickException):
    """Raise with a message of the form '<what is wrong>; <how to fix it>'."""

    exit_code = 2

    def show(self, file: object = None) -> None:
        click.echo(f"planetmail: error: {self.format_message()}", err=True)
