"""The command-line reference, generated from the CLI itself so it cannot drift.

``python -m exitwave.cli_reference > docs/cli.md`` rewrites the page; a test checks that the
committed page matches what the CLI says today.
"""

from __future__ import annotations

import re
from typing import Any

import typer

__all__ = ["markdown"]

_HEAD = """# Command-line reference

Generated from the CLI by `python -m exitwave.cli_reference > docs/cli.md`; every option below
is what `exitwave COMMAND --help` prints. Exit codes: 0 success, 1 a run or check failed,
2 bad input (the message names the file, the field and what was expected).
"""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# typer ships its own copy of click, so commands and parameters are recognised by what they
# have rather than by class.
def _default(param: Any) -> str:
    if getattr(param, "is_flag", False):
        return "off" if not param.default else "on"
    if param.default is None or param.required:
        return ""
    value = param.default() if callable(param.default) else param.default
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return f"`{value}`"


def _command(path: str, command: Any, out: list[str]) -> None:
    if hasattr(command, "commands"):
        for name in sorted(command.commands):
            _command(f"{path} {name}", command.commands[name], out)
        return
    context = command.context_class(command, info_name=path)
    usage = " ".join(command.collect_usage_pieces(context))
    usage = re.sub(r"\{([^}]*)\}", lambda m: m.group(1).upper(), usage)  # typer writes {name}
    out += [f"## `{path}`", "", (command.help or "").strip().split("\n\n")[0].strip(), "",
            "```text", f"{path} {usage}", "```", ""]
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    options = [p for p in command.params if p.param_type_name == "option" and p.name != "help"]
    if arguments:
        out += ["| argument | help |", "|---|---|"]
        for a in arguments:
            out.append(f"| `{(a.name or '').upper()}` | {_cell(getattr(a, 'help', '') or '')} |")
        out.append("")
    if options:
        out += ["| option | default | help |", "|---|---|---|"]
        for o in options:
            names = ", ".join(f"`{n}`" for n in o.opts + o.secondary_opts)
            out.append(f"| {names} | {_default(o)} | {_cell(o.help or '')} |")
        out.append("")


def markdown() -> str:
    """The whole reference as Markdown, one section per command in alphabetical order."""
    from exitwave.cli import app

    root = typer.main.get_command(app)
    out = [_HEAD]
    _command("exitwave", root, out)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":  # python -m exitwave.cli_reference > docs/cli.md
    print(markdown(), end="")
