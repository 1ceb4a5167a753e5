"""The report's section on the war's end: the front with and without it, from real comparisons."""

from __future__ import annotations

import pytest

from exitwave.experiments import compare
from exitwave.report import build_report
from exitwave.report.inputs import read_inputs
from exitwave.report.war_end import war_end_rows, war_end_section

EARLY_END = """\
name: early-end
description: the status quo whose army breaks as soon as mean morale falls below 0.59-0.6
extends: russia-2022
front:
  war_end: {rule: breakpoint, morale_threshold_low: 0.59, morale_threshold_high: 0.6}
"""


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """The same two scenarios on seeds 1–2 (60 days, 1 agent = 20,000 men), with and without war end."""
    root = tmp_path_factory.mktemp("war-end")
    early = root / "early-end.yaml"
    early.write_text(EARLY_END)
    scenarios = ["russia-2022", str(early)]
    compare(scenarios, n=2, scale=20000, days=60, out_dir=root / "with")
    compare(scenarios, n=2, scale=20000, days=60, out_dir=root / "off", war_end="off")
    return root / "with", root / "off"


def test_the_table_sets_the_front_with_and_without_war_end_side_by_side(folders):
    given, off = (read_inputs([f]) for f in folders)
    rows = {(r["scenario"], r["output"]): r for r in war_end_rows(given, off)}
    ended = rows[("early-end", "war ended within the run (share of seeds)")]
    assert ended["with"].startswith("100% of 2") and ended["without"] == "0% of 2"
    # the same seeds: with the war over in days the totals stop; with the rule off they go on
    deserted = rows[("early-end", "deserted")]
    with_war_end = [s["deserted"] for s in given.summaries["early-end"]]
    without = [s["deserted"] for s in off.summaries["early-end"]]
    assert all(a < b for a, b in zip(with_war_end, without, strict=True))
    assert deserted["with"] != deserted["without"] and deserted["at_war"].endswith("/month")
    assert all(s["war_end_day"] is None and s["war_end_rule"] == "none" for s in off.summaries["early-end"])


def test_the_report_has_the_section_with_the_rule_and_its_source(folders, tmp_path):
    given, off = folders
    page = build_report(given, tmp_path / "report.html", war_end_off=off, calibration_dir=None).read_text()
    assert "id='war-end-table'" in page and "href='#war-end'" in page
    assert "Helmbold 1971" in page  # the breakpoint rule of early-end, with its source
    assert "Jensen, CSIS 2022" in page  # the hazard prior of russia-2022, with its source
    assert "war end off (rule none)" in page  # the runs without war end say so
    alone = war_end_section(read_inputs([given]), None)  # no runs without war end given
    assert "id='war-end-table'" in alone and "--war-end-off DIR_OFF" in alone
