"""Tables for people and programs (exitwave.tables, the CLI's --format): the headline table fits
an 80-column terminal with every label whole, and the machine formats carry the numbers."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from exitwave.outputs import band_text, format_value, registry, uncertainty_step
from exitwave.tables import pages, split_cell, to_markdown

SCENARIOS = ["russia-2022", "asylum-coalition", "asylum-coalition-exits-closed", "captor-credibility"]
TINY = ["-n", "2", "--scale", "20000", "--days", "10"]


def cli(*args: str, columns: int = 80, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env.update(NO_COLOR="1", COLUMNS=str(columns), TERM="dumb")
    return subprocess.run([sys.executable, "-m", "exitwave", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's four scenarios, tiny; later calls read the runs back (compare resumes)."""
    folder = tmp_path_factory.mktemp("demo") / "compare"
    done = cli("compare", *SCENARIOS, *TINY, "--out", str(folder))
    assert done.returncode == 0, done.stderr
    return folder


def label_column(text: str, width: int) -> str:
    """The text of the label column, wrapped lines joined (labels are at most width // 3 wide)."""
    return " ".join(line[: width // 3 + 1].strip() for line in text.splitlines())


def test_the_demo_table_is_readable_at_80_columns(demo_folder: Path) -> None:
    from exitwave.experiments.comparison import Comparison
    from exitwave.outputs import headline_table

    done = cli("compare", *SCENARIOS, *TINY, "--out", str(demo_folder))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    expected = headline_table(Comparison.load(demo_folder))
    stream = " ".join(label_column(done.stdout, 80).split())
    for label in expected.index:  # every label whole, in words (wrapped at spaces, never cut)
        assert " ".join(str(label).split()) in stream, label
        assert "_" not in str(label), label  # no code names
    assert "mashtakovo" not in done.stdout  # crossings by the world's display name
    for cell in expected.to_numpy().ravel():  # every value and interval shown, nothing ellipsised
        for part in split_cell(str(cell)).splitlines():
            assert part in done.stdout, part
    for name in SCENARIOS:  # every scenario has its column (headers wrap at hyphens)
        assert name.split("-")[0] in done.stdout


def test_a_wide_terminal_gets_one_table(demo_folder: Path) -> None:
    done = cli("compare", *SCENARIOS, *TINY, "--out", str(demo_folder), columns=400)
    assert done.returncode == 0, done.stderr
    assert "part 1 of" not in done.stdout


@pytest.fixture(scope="module")
def pair_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pair") / "compare"


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown"])
def test_compare_writes_machine_formats_on_stdout(pair_folder: Path, fmt: str) -> None:
    done = cli("compare", *SCENARIOS[:2], *TINY, "--format", fmt, "--out", str(pair_folder))
    assert done.returncode == 0, done.stderr
    if fmt == "csv":
        frame = pd.read_csv(io.StringIO(done.stdout))
        assert {"output", "label", "unit", "scenario", "median", "p5", "p95", "diff_median"} <= set(frame.columns)
        assert set(frame["scenario"]) == set(SCENARIOS[:2])
        shortfall = frame[(frame.output == "mobilization_shortfall") & (frame.scenario == "russia-2022")]
        assert float(shortfall["median"].iloc[0]) > 0 and frame["median"].dtype.kind == "f"
    elif fmt == "json":
        records = json.loads(done.stdout)
        assert records[0]["output"] == "departed" and isinstance(records[0]["median"], float)
    else:
        assert done.stdout.startswith("**") and "| output |" in done.stdout
    from exitwave.experiments.comparison import Comparison
    from exitwave.report.verdicts import plain_summary
    from exitwave.tables import markdown_text

    (summary,) = plain_summary(Comparison.load(pair_folder))  # the words that open the report
    assert summary.startswith("Against russia-2022, asylum-coalition ")
    if fmt == "markdown":  # Markdown all through: the summary as text, the claims as a Markdown table
        assert done.stdout.startswith(f"**In plain words.** {markdown_text(summary)}\n")
        claims = done.stdout.split("**claims (paired difference", 1)[1]
        assert "| claim | Δ median [5–95 %] | matters beyond | verdict |" in claims
        assert re.search(r"^\| C1 asylum-coalition vs russia-2022: departures rise \| .+ \| .+ \| \w", claims, re.M)
        assert not set("┃│┏━╇") & set(done.stdout)  # no box drawing
    else:  # stdout stays machine-readable: the words and the claims go to stderr
        assert "In plain words" not in done.stdout and "claims" not in done.stdout
        assert " ".join(f"In plain words. {summary}".split()) in " ".join(done.stderr.split())


def test_compare_opens_with_the_plain_summary_above_its_table(pair_folder: Path) -> None:
    from exitwave.experiments.comparison import Comparison
    from exitwave.report.verdicts import plain_summary

    done = cli("compare", *SCENARIOS[:2], *TINY, "--out", str(pair_folder), columns=100)
    assert done.returncode == 0, done.stderr
    (summary,) = plain_summary(Comparison.load(pair_folder))
    words = " ".join(done.stdout.split())
    assert words.startswith(" ".join(f"In plain words. {summary}".split()))
    assert words.index("In plain words") < words.index("russia-2022 vs asylum-coalition — 2 seeds each")
    assert "matters beyond" in done.stdout  # the claims table gives each threshold of practical importance


def test_a_bad_format_is_refused_before_any_run(tmp_path: Path) -> None:
    done = cli("compare", *SCENARIOS[:2], *TINY, "--format", "xlsx", "--out", str(tmp_path / "c"))
    assert done.returncode == 2
    assert "--format" in done.stderr and "csv" in done.stderr
    assert not (tmp_path / "c").exists()


def test_numbers_are_rounded_to_what_the_interval_supports() -> None:
    assert uncertainty_step(814_600, 876_000) == 1000
    assert uncertainty_step(5, 5) is None
    assert band_text(855_123, 814_600, 876_000) == "855k [815k–876k]"
    assert band_text(1_118_499, 1_110_000, 1_130_000) == "1.118M [1.110M–1.130M]"
    assert band_text(1_934, 1_547, 2_320) == "1,930 [1,550–2,320]"
    assert band_text(0.1734, 0.152, 0.194, "morale 0–1") == "0.173 [0.152–0.194]"
    assert band_text(0.1734, 0.10, 0.40, "morale 0–1") == "0.17 [0.10–0.40]"
    assert band_text(0, 0, 0) == "0"
    assert band_text(-9300, -17_400, 1_310, signed=True) == "−9,000 [−17k … +1,000]"
    assert format_value(1_118_499, step=None) == "1.12M"  # no interval: three significant figures


def test_pages_fit_the_width_and_keep_the_reference() -> None:
    from rich.console import Console

    frame = pd.DataFrame({name: ["1,930 [1,550–2,320]"] * 3 for name in ["ref", "a", "Δ a", "b", "Δ b"]},
                         index=["departed (crossed out)", "days of front duty lost to the wounded and their carers",
                                "killed"])
    tables = pages(frame, 75, groups=[["a", "Δ a"], ["b", "Δ b"]], anchor=["ref"])
    assert len(tables) == 2
    for table in tables:
        console = Console(width=75, file=io.StringIO(), color_system=None)
        with console.capture() as capture:
            console.print(table)
        text = capture.get()
        assert max(len(line.rstrip()) for line in text.splitlines()) <= 75
        assert "ref" in text and "…" not in text
    assert len(pages(frame, 300, groups=[["a", "Δ a"], ["b", "Δ b"]], anchor=["ref"])) == 1


def test_markdown_escapes_bars() -> None:
    text = to_markdown(pd.DataFrame({"v": ["a|b"]}, index=["x"]))
    assert text.splitlines()[2] == "| x | a\\|b |"


def test_user_facing_labels_are_words_not_code_names() -> None:
    for output in registry():
        label = output.label_for("Kazakhstan")
        assert "_" not in label and "hostile agents" not in label, (output.name, label)
