"""Tables for people and for other programs: the command line's ``--format``.

Every table a command prints is built as text once (for the headline table that is
:func:`exitwave.outputs.headline_table`, the same renderer as the report and the dashboard) and
then either

* drawn to fit the terminal (``table``): a table wider than the terminal is split into pages that
  each repeat the output labels (and the reference scenario, when it fits), every cell's interval
  on its own line under the value, so nothing is cut off or ellipsised at 80 columns;
* written for another program (``csv``, ``json``: the numbers, not the text; ``markdown``: the
  text table) on stdout, with no colour and no progress mixed in (progress goes to stderr).
"""

from __future__ import annotations

import io
import json
import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

__all__ = ["FORMATS", "check_format", "emit", "markdown_text", "pages", "split_cell", "to_markdown"]

FORMATS = ("table", "csv", "json", "markdown")


def check_format(fmt: str) -> str:
    """``fmt`` when it is one of :data:`FORMATS`; otherwise a clear error (exit code 2)."""
    from exitwave.errors import InputError

    if fmt not in FORMATS:
        raise InputError("command line", "--format", f"expected one of {', '.join(FORMATS)}, got {fmt!r}")
    return fmt


def split_cell(text: str) -> str:
    """``855k [815k–876k] *`` → ``855k *`` over ``[815k–876k]``: the interval on its own line."""
    if " [" not in text:
        return text
    value, band = text.split(" [", 1)
    band = "[" + band
    if band.endswith(" *"):
        band, value = band[:-2], value + " *"
    return f"{value}\n{band}"


def _header(name: str, width: int) -> str:
    """A column name wrapped at spaces and hyphens to ``width`` (never cut)."""
    lines = textwrap.wrap(name, width=max(width, 6), break_on_hyphens=True, break_long_words=False)
    return "\n".join(lines) or name


def _render_width(console: Console, table: Table) -> int:
    from rich.console import Console as _Console

    probe = _Console(width=10_000, file=io.StringIO(), color_system=None, legacy_windows=False)
    with probe.capture() as capture:
        probe.print(table)
    return max((len(line.rstrip()) for line in capture.get().splitlines()), default=0)


def _build(frame: pd.DataFrame, columns: Sequence[str], label_width: int, index_name: str,
           title: str | None) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    table.add_column(index_name, max_width=label_width, overflow="fold")
    cells = {c: [split_cell(str(v)) for v in frame[c]] for c in columns}
    for c in columns:
        widest = max((len(line) for cell in cells[c] for line in cell.splitlines()), default=1)
        table.add_column(_header(str(c), max(widest, 10)), justify="right", no_wrap=True)
    for k, label in enumerate(frame.index):
        table.add_row(str(label), *[cells[c][k] for c in columns])
    return table


def pages(frame: pd.DataFrame, width: int, groups: Sequence[Sequence[str]] | None = None,
          anchor: Sequence[str] = (), index_name: str = "output", title: str | None = None) -> list[Table]:
    """``frame`` (text cells, labels as index) as one table or, when it is wider than ``width``,
    as pages that each fit: column ``groups`` (a scenario and its difference) are packed onto pages
    in order, each page repeating the labels and the ``anchor`` columns (the reference scenario)
    while they fit. The labels wrap at spaces; nothing is truncated."""
    from rich.console import Console

    console = Console(width=width, file=io.StringIO())
    columns = [str(c) for c in frame.columns]
    groups = [list(g) for g in groups] if groups is not None else [[c] for c in columns if c not in anchor]
    longest = max((len(str(label)) for label in frame.index), default=len(index_name))
    label_width = min(longest, max(16, width // 3))
    whole = _build(frame, columns, label_width, index_name, title)
    if _render_width(console, whole) <= width:
        return [whole]
    result: list[list[str]] = []
    page: list[str] = []
    for group in groups:
        trial = [*anchor, *page, *group]
        if page and _render_width(console, _build(frame, trial, label_width, index_name, None)) > width:
            result.append(page)
            page = list(group)
        else:
            page = page + list(group)
    if page:
        result.append(page)
    tables = []
    for k, cols in enumerate(result):
        with_anchor = [*anchor, *cols]
        table = _build(frame, with_anchor, label_width, index_name, None)
        if anchor and _render_width(console, table) > width:
            table = _build(frame, cols, label_width, index_name, None)
        table.title = f"{title} — part {k + 1} of {len(result)}" if title else f"part {k + 1} of {len(result)}"
        tables.append(table)
    return tables


def markdown_text(text: str) -> str:
    """Plain text as Markdown that shows it as written: emphasis, links, code and HTML characters
    (``\\ ` * _ [ ] < > |``) escaped with a backslash."""
    return "".join("\\" + c if c in "\\`*_[]<>|" else c for c in text)


def to_markdown(frame: pd.DataFrame, index_name: str = "output") -> str:
    """A text table as GitHub Markdown (``|`` in cells escaped)."""
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|")

    columns = [index_name, *[str(c) for c in frame.columns]]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for label, row in frame.iterrows():
        lines.append("| " + " | ".join([cell(label), *[cell(v) for v in row]]) + " |")
    return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _jsonable(value.item())
    return value


def emit(console: Console, fmt: str, text: pd.DataFrame, numbers: pd.DataFrame | None = None, *,
         title: str | None = None, note: str | None = None, groups: Sequence[Sequence[str]] | None = None,
         anchor: Sequence[str] = (), index_name: str = "output") -> None:
    """Print a table in ``fmt``: ``table`` (fitted to the terminal), ``markdown`` (the text),
    ``csv`` or ``json`` (``numbers`` when given — values, not their text — else the text)."""
    import sys

    check_format(fmt)
    if fmt in ("csv", "json"):
        data = numbers if numbers is not None else text.reset_index()
        if fmt == "csv":
            sys.stdout.write(data.to_csv(index=False))
        else:
            records = [{k: _jsonable(v) for k, v in row.items()} for row in data.to_dict(orient="records")]
            sys.stdout.write(json.dumps(records, indent=1, ensure_ascii=False) + "\n")
        return
    if fmt == "markdown":
        parts = [f"**{title}**", ""] if title else []
        parts.append(to_markdown(text, index_name))
        if note:
            parts += ["", note]
        sys.stdout.write("\n".join(parts) + "\n")
        return
    for table in pages(text, console.width, groups, anchor, index_name, title):
        console.print(table)
    if note:
        console.print(note, highlight=False)
