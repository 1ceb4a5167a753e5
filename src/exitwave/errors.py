"""Errors with enough context for a user to fix their input."""

from __future__ import annotations

__all__ = ["InputError", "RunError", "all_problems"]


class InputError(Exception):
    """Bad user input: names the file, the field path and what was expected (CLI exit code 2)."""

    def __init__(self, file: str, field: str, expected: str) -> None:
        self.file = file
        self.field = field
        self.expected = expected
        where = f"{file}" + (f": {field}" if field else "")
        super().__init__(f"{where}: {expected}")
        self.problems: list[InputError] = [self]
        """Every problem this error reports (itself alone, or those :func:`all_problems` joined)."""


class RunError(Exception):
    """A run failed after its input was accepted (CLI exit code 1)."""


def all_problems(problems: list[InputError]) -> InputError:
    """One error reporting every problem of ``problems`` (at least one), each on its own line:
    the first as usual (``file: field: expectation``), the others below it indented, so that one
    edit can fix them all. ``file`` and ``field`` are the first problem's."""
    first, rest = problems[0], problems[1:]
    also = "".join(f"\n  {problem}" for problem in rest)
    joined = InputError(first.file, first.field, f"{first.expected}{also}")
    joined.problems = list(problems)
    return joined
