"""Exports beside the report: every table as CSV and Parquet, every figure as PNG and SVG.

While :func:`exitwave.report.build_report` writes a report, an :class:`Exports` collector is
active: every figure the report embeds (through ``_png`` in :mod:`exitwave.report.html`) is also
saved as ``figures/NN-<title>.png`` and ``.svg``, and every ``<table>`` of the finished page is
saved as ``tables/NN-<section>.csv`` and ``.parquet`` (the cells as shown, labels and units
included). Sections added later get exports without asking. The folder is
``<report stem>-exports/`` beside the HTML file, written whole into a temporary folder and then
swapped in, so a reader never sees half of it.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from exitwave.results import missing_folders, remove_empty_folders

__all__ = ["Exports", "active", "export_folder", "tables_of"]

_ACTIVE: contextvars.ContextVar[Exports | None] = contextvars.ContextVar("exitwave_report_exports", default=None)


def export_folder(report: Path) -> Path:
    """The folder of a report's exports: ``report.html`` → ``report-exports/``."""
    return report.with_name(f"{report.stem}-exports")


def _slug(text: str, limit: int = 48) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "untitled"


def _figure_title(fig: Any) -> str:
    if getattr(fig, "_suptitle", None) is not None and fig._suptitle.get_text():
        return str(fig._suptitle.get_text())
    for ax in fig.axes:
        if ax.get_title():
            return str(ax.get_title())
    return "figure"


@dataclass
class Exports:
    """Collects a report's figures and tables into a temporary folder, then publishes it."""

    report: Path
    figures: list[Path] = field(default_factory=list)
    tables: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.final = export_folder(self.report)
        self.temp = self.final.with_name(f".{self.final.name}.tmp-{os.getpid()}")
        shutil.rmtree(self.temp, ignore_errors=True)
        self.created = missing_folders(self.temp.parent)  # removed again if the report fails
        (self.temp / "figures").mkdir(parents=True)
        (self.temp / "tables").mkdir(parents=True)

    def figure(self, fig: Any, box: Any) -> None:
        """Save ``fig`` as PNG (150 dpi) and SVG, cut to ``box`` (inches; see ``figures.tight_box``)."""
        stem = f"{len(self.figures) // 2 + 1:02d}-{_slug(_figure_title(fig))}"
        for suffix, options in ((".png", {"dpi": 150}), (".svg", {})):
            path = self.temp / "figures" / (stem + suffix)
            fig.savefig(path, bbox_inches=box, **options)
            self.figures.append(self.final / "figures" / path.name)

    def page_tables(self, page: str) -> None:
        """Save every table of the finished HTML ``page`` as CSV and Parquet, named after its
        section (the ``id`` of the ``<h2>`` above it)."""
        for k, (section, frame) in enumerate(tables_of(page), start=1):
            stem = f"{k:02d}-{_slug(section)}"
            frame.to_csv(self.temp / "tables" / f"{stem}.csv", index=False)
            frame.to_parquet(self.temp / "tables" / f"{stem}.parquet", index=False)
            self.tables += [self.final / "tables" / f"{stem}.csv", self.final / "tables" / f"{stem}.parquet"]

    def extra_table(self, name: str, frame: Any) -> None:
        """A table of numbers (not shown as such in the page), e.g. the headline numbers."""
        for suffix in (".csv", ".parquet"):
            path = self.temp / "tables" / f"{name}{suffix}"
            if suffix == ".csv":
                frame.to_csv(path, index=False)
            else:
                frame.to_parquet(path, index=False)
            self.tables.append(self.final / "tables" / path.name)

    def publish(self) -> Path:
        """Swap the finished folder in for the old one."""
        old = self.final.with_name(f".{self.final.name}.old-{os.getpid()}")
        if self.final.exists():
            self.final.rename(old)
        self.temp.rename(self.final)
        shutil.rmtree(old, ignore_errors=True)
        return self.final

    def discard(self) -> None:
        shutil.rmtree(self.temp, ignore_errors=True)
        remove_empty_folders(self.created)

    def __enter__(self) -> Exports:
        self._token = _ACTIVE.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _ACTIVE.reset(self._token)
        if exc[0] is not None:
            self.discard()


def active() -> Exports | None:
    """The collector of the report being written, if any."""
    return _ACTIVE.get()


class _TableParser(HTMLParser):
    """Tables of a page as rows of cell text, each with the id of the section it is in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.section = "report"
        self.tables: list[tuple[str, list[list[str]], int]] = []
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._header_rows = 0
        self._row_is_header = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h2":
            ident = dict(attrs).get("id")
            if ident:
                self.section = ident
        elif tag == "table":
            self._rows, self._header_rows = [], 0
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
            self._row_is_header = True
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []
            if tag == "td":
                self._row_is_header = False
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._rows is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._rows is not None and self._rows and self._row_is_header:
            self._header_rows += 1
        elif tag == "table" and self._rows is not None:
            self.tables.append((self.section, self._rows, self._header_rows))
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables_of(page: str) -> list[tuple[str, Any]]:
    """(section id, DataFrame) for every table of an HTML page; the first all-``<th>`` row names
    the columns."""
    import pandas as pd

    parser = _TableParser()
    parser.feed(page)
    result = []
    for section, rows, header_rows in parser.tables:
        rows = [r for r in rows if r]
        if not rows:
            continue
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        if header_rows:
            names, body = rows[0], rows[1:]
        else:
            names, body = [f"column {k + 1}" for k in range(width)], rows
        seen: dict[str, int] = {}
        unique = []
        for name in names:
            seen[name] = seen.get(name, 0) + 1
            unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
        result.append((section, pd.DataFrame(body, columns=unique)))
    return result
