"""YAML from users, read within bounds: the file's size, its nesting depth and the size of the
document once its aliases are expanded.

PyYAML builds an alias as a reference to the node it names, so nine levels of nine aliases make
a 500-byte file whose expansion has 10⁹ nodes: the loader returns quickly, and whatever walks the
result afterwards (validation, a deep copy, an error message that prints the value) does not.
:class:`BoundedLoader` counts every node as if aliases were copied and refuses the document as soon
as the count passes :data:`MAX_NODES`; it refuses nesting deeper than :data:`MAX_DEPTH` (PyYAML
composes recursively) and recursive aliases. Errors are :class:`~exitwave.errors.InputError` that
quote at most a short excerpt of the input, never the expansion.

Used for scenario files, ``world.yaml`` and the dashboard's override box.
"""

from __future__ import annotations

import copy
import functools
import reprlib
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError

from exitwave.errors import InputError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "BoundedLoader", "excerpt", "load_text", "read_file"]

MAX_BYTES = 1 << 20
"""Largest YAML input, in bytes (1 MiB; the bundled scenarios are a few kB)."""

MAX_DEPTH = 50
"""Deepest nesting of mappings and lists (a scenario needs about 5)."""

MAX_NODES = 100_000
"""Most nodes a document may have with its aliases expanded (a bundled scenario has a few hundred)."""

_PROBLEM_CHARS = 200


class BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses deep nesting, recursive aliases and documents whose
    alias expansion exceeds :data:`MAX_NODES` nodes (raising ``yaml.YAMLError``)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._expanded = 0
        self._sizes: dict[int, int] = {}  # id(node) -> its node count with aliases expanded
        self._nodes: list[Any] = []  # keeps every node alive, so no id is reused while loading

    def _count(self, nodes: int, mark: Any) -> None:
        self._expanded += nodes
        if self._expanded > MAX_NODES:
            raise ComposerError(None, None, f"expected at most {MAX_NODES:,} values with aliases (*name) expanded; "
                                            "this document has more (an alias bomb?)", mark)

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        mark: Any = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            size = self._sizes.get(id(node))
            if size is None:  # its node is still being composed: the alias is inside its anchor
                raise ComposerError(None, None, f"found a recursive alias *{str(event.anchor)[:40]} (inside the "
                                                "value it names)", mark)
            self._count(size, mark)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ComposerError(None, None, f"expected at most {MAX_DEPTH} levels of nesting", mark)
        before = self._expanded
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        self._count(1, mark)
        self._sizes[id(node)] = self._expanded - before
        self._nodes.append(node)
        return node


def excerpt(value: object, limit: int = 120) -> str:
    """A bounded ``repr`` of ``value`` (nested containers and long strings cut): what an error
    message may quote of user input."""
    shortened = reprlib.Repr()
    shortened.maxlevel, shortened.maxdict, shortened.maxlist = 3, 6, 6
    shortened.maxstring, shortened.maxother, shortened.maxlong = 80, 80, 40
    text = shortened.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _problem(error: yaml.YAMLError) -> tuple[str, str]:
    """(where, what) of a YAML error: ``line 3, column 1`` and the problem, cut to a short line."""
    mark = getattr(error, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = str(getattr(error, "problem", None) or error).replace("\n", " ")
    if len(problem) > _PROBLEM_CHARS:
        problem = problem[:_PROBLEM_CHARS] + "…"
    return where, problem


def load_text(text: str, source: str, field: str = "") -> Any:
    """Parse ``text`` with :class:`BoundedLoader`; malformed or over-limit YAML is an
    :class:`InputError` naming ``source`` and the line (or ``field`` when given)."""
    if len(text) > MAX_BYTES:
        raise InputError(source, field, f"expected at most {MAX_BYTES:,} characters of YAML, got {len(text):,}")
    try:
        return yaml.load(text, Loader=BoundedLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        where, problem = _problem(err)
        raise InputError(source, field or where, f"malformed YAML: {problem}"
                         + (f" ({where})" if field and where else "")) from None
    except (ValueError, OverflowError, TypeError) as err:
        # a constructor refused a scalar: an integer of more than 4,300 digits, 2022-02-30
        problem = " ".join(str(err).split()).split(";")[0][:_PROBLEM_CHARS] or type(err).__name__
        raise InputError(source, field, f"expected values YAML can read: {problem}") from None
    except RecursionError:  # not expected below MAX_DEPTH; never a traceback
        raise InputError(source, field, f"expected at most {MAX_DEPTH} levels of nesting") from None


def read_file(path: Path) -> Any:
    """Read a YAML file of at most :data:`MAX_BYTES` bytes of UTF-8 and parse it within bounds."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as err:
        raise InputError(str(path), "", f"cannot read file ({err.strerror or err})") from err
    if len(raw) > MAX_BYTES:
        raise InputError(str(path), "", f"expected a YAML file of at most {MAX_BYTES:,} bytes (1 MiB); this one "
                                        "is larger")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(str(path), "", f"expected UTF-8 text; byte {err.start} is not "
                                        f"({raw[err.start:err.start + 1]!r})") from None
    return copy.deepcopy(_parsed(text.removeprefix("\ufeff"), str(path)))


@functools.lru_cache(maxsize=64)
def _parsed(text: str, source: str) -> Any:
    """:func:`load_text`, remembered by the file's text: a calibration or an ensemble loads the
    same scenario and world files for every run, and parsing them cost a tenth of a short run.
    Keyed by the text itself (not a modification time), so an edited file is always read anew;
    callers get a deep copy, so none can change what another reads."""
    return load_text(text, source)
