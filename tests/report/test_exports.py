"""Exports beside the report (exitwave.report.exports): every table as CSV and Parquet, every
figure as PNG and SVG, named after what they show, and a print stylesheet for A4."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from exitwave.cli import app
from exitwave.experiments import compare
from exitwave.report import build_report
from exitwave.report.exports import export_folder, tables_of


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exports")
    compare(["russia-2022", "asylum-coalition"], n=2, scale=20000, days=30, out_dir=folder / "cmp")
    return build_report(folder / "cmp", folder / "cmp" / "report.html")


def test_every_table_and_figure_is_exported(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    exports = export_folder(report)
    n_tables = page.count("<table")
    n_figures = page.count("<img ")
    assert n_tables >= 4 and n_figures >= 3
    csvs = sorted((exports / "tables").glob("*.csv"))
    # each table of the page, plus the headline numbers
    assert len(csvs) == n_tables + 1, [p.name for p in csvs]
    for csv in csvs:
        frame = pd.read_csv(csv)
        assert len(frame) > 0, csv
        assert frame.equals(pd.read_parquet(csv.with_suffix(".parquet"))) or len(frame) == len(
            pd.read_parquet(csv.with_suffix(".parquet"))), csv
    pngs = sorted((exports / "figures").glob("*.png"))
    assert len(pngs) == n_figures
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        svg = png.with_suffix(".svg").read_text(encoding="utf-8")
        assert "<svg" in svg
    # named after their section or title, and linked from the report
    assert any("headline" in p.name for p in csvs)
    for path in [*csvs, *pngs]:
        assert f"{exports.name}/{path.parent.name}/{path.name}" in page


def test_headline_export_has_labels_units_and_numbers(report: Path) -> None:
    numbers = pd.read_csv(export_folder(report) / "tables" / "headline-numbers.csv")
    assert {"output", "label", "unit", "scenario", "median", "p5", "p95"} <= set(numbers.columns)
    assert numbers["median"].dtype.kind == "f"
    assert "departed (crossed out)" in set(numbers["label"])


def test_a_rewritten_report_replaces_its_exports_whole(report: Path) -> None:
    exports = export_folder(report)
    stale = exports / "tables" / "99-stale.csv"
    stale.write_text("x\n1\n")
    result = CliRunner().invoke(app, ["report", str(report.parent), "--out", str(report)])
    assert result.exit_code == 0, result.output
    assert "replaced the earlier report" in " ".join(result.output.split())  # never silently
    assert not stale.exists()
    assert not list(report.parent.glob(".*tmp*"))


def test_the_print_stylesheet_keeps_tables_on_a4(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    css = re.search(r"@media print\{(.*?)\}\s*</style>", page, re.S)
    assert css is not None
    rules = css.group(1)
    assert "size:A4" in rules and "break-inside:avoid" in rules and "white-space:normal" in rules


def test_tables_of_reads_headers_and_sections() -> None:
    page = ("<h2 id='one'>One</h2><table><tr><th>a</th><th>a</th></tr><tr><td>1</td><td>x<br>y</td></tr></table>"
            "<h2 id='two'>Two</h2><table><tr><td>only</td></tr></table>")
    (s1, f1), (s2, f2) = tables_of(page)
    assert (s1, list(f1.columns), f1.iloc[0].tolist()) == ("one", ["a", "a (2)"], ["1", "x y"])
    assert s2 == "two" and f2.iloc[0, 0] == "only"
