"""The HTML report: self-contained, every section present, the claims audit with its intervals."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from exitwave.experiments.comparison import Comparison
from exitwave.experiments.sensitivities import sensitivity
from exitwave.report import build_report
from exitwave.report.claims import audit
from exitwave.report.html import BUNDLED_SENSITIVITY, load_sensitivity


@pytest.fixture(scope="module")
def written(comparison_dir, tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The report of the comparison, written once by the real command line (``exitwave report DIR
    --out FILE`` calls :func:`build_report` with its defaults): the page tests read this file."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = subprocess.run([sys.executable, "-m", "exitwave", "report", str(comparison_dir), "--out", str(out)],
                            capture_output=True, text=True)
    return result, out


@pytest.fixture(scope="module")
def page(written) -> str:
    result, out = written
    assert result.returncode == 0, result.stderr
    return out.read_text()


def test_claims_audit_gives_verdicts_with_intervals(comparison_dir):
    verdicts = audit(Comparison.load(comparison_dir))
    assert {"C1", "C2", "C5", "C6", "C8", "C10"} <= {v.claim.code for v in verdicts}
    for v in verdicts:
        assert v.p5 <= v.median <= v.p95


def test_report_is_one_self_contained_file(page):
    assert "id='claims-table'" in page and "Claims audit" in page
    assert len(re.findall(r"data:image/png;base64,", page)) >= 6
    # nothing is fetched from the network: no URL in any src or href attribute, no external script or style
    assert not re.search(r"""(src|href)\s*=\s*['"]?\s*(https?:)?//""", page, flags=re.IGNORECASE)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert len(page.encode()) < 5_000_000


def test_every_table_of_contents_link_has_its_section(page):
    nav = re.search(r"<nav>(.*?)</nav>", page, flags=re.S)
    assert nav is not None
    anchors = re.findall(r"href='#([a-z-]+)'", nav.group(1))
    assert {"summary", "claims", "headline", "policy", "series", "map", "calibration", "sensitivity",
            "registry"} <= set(anchors)
    for anchor in anchors:
        assert f"id='{anchor}'" in page


def test_every_claim_has_a_row_and_untested_ones_say_so(page):
    table = page.split("id='claims-table'", 1)[1].split("</table>", 1)[0]
    for code in range(1, 13):
        assert f"<b>C{code}</b>" in table
    assert table.count("not tested here") >= 1  # C9 (not modelled)
    rows = re.findall(r"<tr><td><b>C\d+</b>.*?</tr>", table, flags=re.S)
    for row in rows:
        if "not tested here" not in row:
            assert re.search(r"\[[^\]]+ … [^\]]+\]", row), row  # an interval beside every verdict


def test_sections_show_calibration_window_registry_and_bundled_sensitivity(page):
    assert "2022-09-21 to 2022-10-02" in page  # the calibration window, stated
    assert "behaviour.threat_weight" in page  # the parameter registry
    assert "Natural Earth" in page
    if BUNDLED_SENSITIVITY.is_file():  # the bundled Sobol result for russia-2022 vs asylum-coalition
        assert "the bundled result" in page and "ST " in page


def test_the_bundled_audit_opens_the_report_and_fills_its_claims_table(page):
    # the comparison is russia-2022 vs asylum-coalition: the bundled audit is the one shown
    from exitwave.report.html import BUNDLED_AUDIT

    assert BUNDLED_AUDIT.is_file()
    assert "id='plain-summary'" in page.split("<h2", 1)[0]  # the plain-language summary on top
    table = page.split("id='audit-table'", 1)[1].split("</table>", 1)[0]
    for column in ("P(holds)", "relative", "threshold", "without a mechanism", "each lever alone",
                   "where it fails"):
        assert column in table
    rows = re.findall(r"<tr><td><b>C\d+</b>.*?</tr>", table, flags=re.S)
    assert len(rows) >= 8
    verdicts = {"supported", "supported but small", "not supported", "contradicted", "undecided"}
    tested = [row for row in rows if "not tested here" not in row]
    assert tested and all(any(f">{word}</td>" in row for word in verdicts) for row in tested)
    assert any("contagion:" in row and "entry:" in row for row in tested)  # carriers by ablation and lever
    assert any(re.search(r"[+−-]\d+\.\d%", row) for row in tested)  # a relative effect


def test_the_report_opens_with_the_summary_compare_prints(page, comparison_dir):
    from markupsafe import escape

    from exitwave.report.verdicts import plain_summary

    lead = page.split("id='plain-summary'", 1)[1].split("</p>", 1)[0]
    summary = plain_summary(Comparison.load(comparison_dir))
    assert len(summary) == 3  # the proposal with its verdicts, then a sentence per further scenario
    assert "Supported" in summary[0] and "Supported" not in summary[1]
    for paragraph in summary:
        assert str(escape(paragraph)) in lead
    assert str(escape("Over the parameters' uncertainty too")) in lead  # then the bundled audit's words


def test_unresolved_sobol_indices_are_labelled(page):
    if BUNDLED_SENSITIVITY.is_file():
        section = page.split("id='sensitivity'", 1)[1]
        assert "unresolved" in section and "not resolved at N = 32 samples" in section


def test_a_sensitivity_file_versus_a_baseline_names_the_carriers(comparison_dir, tmp_path):
    names = ["behaviour.threat_weight", "behaviour.asylum_value", "front.captor_credibility"]
    result = sensitivity("asylum-coalition", "morris", n=2, names=names, scale=20000, days=30,
                         versus="russia-2022")
    frame = result.to_frame().reset_index()
    frame.insert(0, "versus", "russia-2022")
    frame.insert(0, "scenario", "asylum-coalition")
    csv = tmp_path / "sens.csv"
    frame.to_csv(csv, index=False)
    sens = load_sensitivity(csv)
    assert sens.pair == ("russia-2022", "asylum-coalition") and not sens.is_sobol
    page = build_report(comparison_dir, tmp_path / "r.html", csv).read_text()
    table = page.split("id='claims-table'", 1)[1].split("</table>", 1)[0]
    c1 = re.search(r"<b>C1</b>.*?</tr>", table, flags=re.S)
    assert c1 is not None and result.leading("departed", 1)[0] in c1.group(0)
    assert "sens.csv" in page
    # a file of output levels (no --versus) is used, but the report says what it is not
    levels = tmp_path / "levels.csv"
    result.to_frame().reset_index().to_csv(levels, index=False)
    assert load_sensitivity(levels).pair is None
    page = build_report(comparison_dir, tmp_path / "r2.html", levels).read_text()
    assert "not of the paired difference" in page


def test_report_command_writes_the_file(comparison_dir, written, tmp_path):
    result, out = written
    assert result.returncode == 0, result.stderr
    assert out.is_file() and not list(out.parent.glob(".*.tmp"))
    missing = subprocess.run([sys.executable, "-m", "exitwave", "report", str(comparison_dir), "--sensitivity",
                              str(tmp_path / "none.csv")], capture_output=True, text=True)
    assert missing.returncode == 2 and "none.csv" in missing.stderr
