"""Errors the emulator raises for bad input; each message names the resource and the fix."""

from __future__ import annotations


class EmulatorError(Exception):
    """Base class: a one-line cause and fix, shown to the user as is."""


class TemplateError(EmulatorError):
    """The template (or an override of it) cannot be run."""


class UnknownFunctionError(EmulatorError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(
            f"function {name!r} is not in the template; use one of: {', '.join(known) or 'none'}"
        )
        self.name = name
