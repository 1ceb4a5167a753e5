"""The HTML report: self-contained, with the claims audit and its intervals."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from exitwave.experiments import compare
from exitwave.experiments.comparison import Comparison
from exitwave.report import build_report
from exitwave.report.claims import audit


@pytest.fixture(scope="module")
def comparison_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp")
    compare(["russia-2022", "asylum-coalition", "asylum-coalition-exits-closed"], n=3, scale=8000,
            days=60, out_dir=out)
    return out


def test_claims_audit_gives_verdicts_with_intervals(comparison_dir):
    verdicts = audit(Comparison.load(comparison_dir))
    codes = {v.claim.code for v in verdicts}
    assert {"C1", "C2", "C8", "C10"} <= codes
    for v in verdicts:
        assert v.p5 <= v.median <= v.p95
        assert v.verdict in ("supported", "contradicted", "undetermined at this uncertainty",
                             "not supported (no difference)")
    c1 = next(v for v in verdicts if v.claim.code == "C1")
    assert c1.verdict == "supported" and c1.p5 > 0  # the proposal raises departures on every seed


def test_report_is_one_self_contained_file(comparison_dir, tmp_path):
    path = build_report(comparison_dir, tmp_path / "report.html")
    page = path.read_text()
    assert "id='claims-table'" in page and "Claims audit" in page
    assert len(re.findall(r"data:image/png;base64,", page)) >= 3
    assert not re.search(r"(src|href)=['\"]https?://", page)  # nothing fetched from the network
    assert "behaviour.threat_weight" in page  # the parameter registry


def test_report_command_refuses_a_folder_without_a_comparison(tmp_path):
    result = subprocess.run([sys.executable, "-m", "exitwave", "report", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "comparison.json" in result.stderr
