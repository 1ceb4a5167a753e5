"""The terminal consoles and the bad-input exit shared by every command line (``exitwave …``,
``exitwave flee …``): results on stdout, messages and progress on stderr."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from exitwave.errors import InputError

__all__ = ["err", "fail_input", "out"]

out = Console()
err = Console(stderr=True)


def fail_input(error: InputError) -> NoReturn:
    """Print ``error`` (file, field, expectation) on one line and exit with code 2."""
    # escape: the message quotes user input ("[/]" would be read as markup); soft_wrap: a long
    # path must stay on one line so it can be copied (and grepped) whole.
    err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)
