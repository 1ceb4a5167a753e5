"""Errors with enough context for a user to fix their input."""

from __future__ import annotations

__all__ = ["InputError", "RunError"]


class InputError(Exception):
    """Bad user input: names the file, the field path and what was expected (CLI exit code 2)."""

    def __init__(self, file: str, field: str, expected: str) -> None:
        self.file = file
        self.field = field
        self.expected = expected
        where = f"{file}" + (f": {field}" if field else "")
        super().__init__(f"{where}: {expected}")


class RunError(Exception):
    """A run failed after its input was accepted (CLI exit code 1)."""
