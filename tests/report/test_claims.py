"""The claims audit: every claim gets a row, verdicts only with intervals, the rules hold."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from exitwave.experiments.comparison import Comparison
from exitwave.report.claims import CLAIMS, NOT_TESTED, _verdict, audit, credibility_only

VERDICTS = {"supported", "supported but small", "contradicted", "undetermined at this uncertainty",
            "not supported (no difference)", "not supported (no change that matters)"}


def _subset(comparison: Comparison, names: list[str]) -> Comparison:
    keep = {n.replace(":", "-") for n in names}
    return Comparison(names=names, seeds=comparison.seeds, fields=comparison.fields,
                      values={n: comparison.values[n] for n in names},
                      run_dirs=[d for d in comparison.run_dirs if d.parent.name in keep])


def test_every_claim_of_claims_md_has_a_row(comparison_dir):
    verdicts = audit(Comparison.load(comparison_dir), include_untested=True)
    assert {v.claim.code for v in verdicts} == {f"C{k}" for k in range(1, 13)}
    assert len(verdicts) == len(CLAIMS)
    for v in verdicts:
        if v.tested:
            assert v.verdict in VERDICTS
            assert v.p5 <= v.median <= v.p95  # never a verdict without an interval
        else:
            assert v.verdict == NOT_TESTED and math.isnan(v.median) and v.note


def test_the_proposal_raises_departures_and_the_closure_undoes_it(comparison_dir):
    verdicts = audit(Comparison.load(comparison_dir))
    c1 = next(v for v in verdicts if v.claim.code == "C1")
    assert c1.verdict == "supported" and c1.p5 > 0
    assert (c1.baseline, c1.scenario) == ("russia-2022", "asylum-coalition")
    c10 = next(v for v in verdicts if v.claim.code == "C10" and v.claim.output == "departed")
    assert (c10.baseline, c10.scenario) == ("asylum-coalition", "asylum-coalition-exits-closed")
    assert c10.verdict == "supported" and c10.p95 < 0


def test_the_fiscal_claim_says_it_is_not_modelled(comparison_dir):
    rows = {v.claim.code: v for v in audit(Comparison.load(comparison_dir), include_untested=True)}
    assert rows["C9"].verdict == NOT_TESTED and "not modelled" in rows["C9"].note


def test_the_composition_claim_compares_leavers_with_recruits_within_the_status_quo(comparison_dir):
    comparison = Comparison.load(comparison_dir)
    c11 = next(v for v in audit(comparison) if v.claim.code == "C11")
    assert c11.baseline == c11.scenario == "russia-2022"
    gaps = [json.loads((Path(d) / "summary.json").read_text())["composition"]["means_gap"]
            for d in comparison.run_dirs if Path(d).parent.name == "russia-2022"]
    assert c11.median == pytest.approx(float(np.median(gaps)))
    assert c11.verdict == _verdict(+1, c11.p5, c11.p95)
    assert "regional overlap" in c11.note


def test_captor_credibility_is_tested_only_against_a_scenario_that_changes_only_it(comparison_dir):
    full = Comparison.load(comparison_dir)
    assert credibility_only(full) == ("captor-credibility", 0.9, 0.3)
    c6 = next(v for v in audit(full) if v.claim.code == "C6")
    assert c6.scenario == "captor-credibility" and "0.3 → 0.9" in c6.note
    j = [k for k, _ in full.fields].index("surrendered")
    diff = full.values["captor-credibility"][:, j] - full.values["russia-2022"][:, j]
    assert c6.median == pytest.approx(float(np.median(diff)))
    # without it C6 is not tested, and the proposal (which changes more) is not mistaken for it
    three = _subset(full, ["russia-2022", "asylum-coalition", "asylum-coalition-exits-closed"])
    assert credibility_only(three) is None
    c6_missing = next(v for v in audit(three, include_untested=True) if v.claim.code == "C6")
    assert c6_missing.verdict == NOT_TESTED and "captor-credibility" in c6_missing.note
    # the credibility scenario is not taken as the proposal or the exit closure
    c1 = next(v for v in audit(full) if v.claim.code == "C1")
    assert c1.scenario == "asylum-coalition"


def test_the_wounded_to_killed_ratio_is_within_the_status_quo(comparison_dir):
    c5 = next(v for v in audit(Comparison.load(comparison_dir)) if v.claim.code == "C5")
    assert c5.baseline == c5.scenario == "russia-2022"
    assert 0 < c5.p5 <= c5.median <= c5.p95
    assert c5.verdict == _verdict(+1, c5.p5, c5.p95, 1.0)


def test_the_front_share_is_a_share_judged_against_one_half(comparison_dir):
    rows = {v.claim.code: v for v in audit(Comparison.load(comparison_dir), include_untested=True)}
    c12 = rows["C12"]
    if c12.tested:
        assert c12.verdict == _verdict(-1, c12.p5, c12.p95, 0.5)
    else:  # honest: the proposal lowered no intake on these seeds
        assert "front" in c12.note


@pytest.mark.parametrize(("direction", "p5", "p95", "threshold", "expected"), [
    (+1, 1.0, 3.0, 0.0, "supported"),
    (+1, -3.0, -1.0, 0.0, "contradicted"),
    (+1, -1.0, 1.0, 0.0, "undetermined at this uncertainty"),
    (-1, -3.0, -1.0, 0.0, "supported"),
    (+1, 0.0, 0.0, 0.0, "not supported (no difference)"),
    (+1, 1.1, 1.4, 1.0, "supported"),
    (+1, 0.9, 1.4, 1.0, "undetermined at this uncertainty"),
    (-1, 0.1, 0.4, 0.5, "supported"),
    (-1, 0.6, 0.9, 0.5, "contradicted"),
])
def test_verdict_rules(direction, p5, p95, threshold, expected):
    assert _verdict(direction, p5, p95, threshold) == expected


def test_leading_parameters_are_attached_only_to_their_pair(comparison_dir):
    comparison = Comparison.load(comparison_dir)
    leading = {"departed": ["behaviour.threat_weight"]}
    rows = audit(comparison, leading, leading_pair=("russia-2022", "asylum-coalition"))
    c1 = next(v for v in rows if v.claim.code == "C1")
    c10 = next(v for v in rows if v.claim.code == "C10" and v.claim.output == "departed")
    assert c1.leading == ["behaviour.threat_weight"] and c10.leading == []
    # the signature the dashboard uses still works
    assert next(v for v in audit(comparison, leading) if v.claim.code == "C1").leading == ["behaviour.threat_weight"]


def test_no_hostile_admitted_in_either_scenario_is_not_support_for_screening(comparison_dir):
    # C8 used to say "supported" when the difference was 0 on every seed (no hostile agent
    # reached a border at all): nothing was screened, so nothing is shown
    comparison = Comparison.load(comparison_dir)
    keys = [key for key, _ in comparison.fields]
    if "hostile_admitted" not in keys:
        comparison.fields = [*comparison.fields, ("hostile_admitted", "hostile agents admitted")]
        comparison.values = {k: np.column_stack([v, np.zeros(len(v))]) for k, v in comparison.values.items()}
    j = [key for key, _ in comparison.fields].index("hostile_admitted")
    for values in comparison.values.values():
        values[:, j] = 0.0
    c8 = next(v for v in audit(comparison) if v.claim.code == "C8")
    assert c8.verdict == "not supported (no difference)"


def test_edited_levers_name_what_a_proposal_changes():
    from exitwave.experiments.audit import _resolved
    from exitwave.report.claims import edited_levers

    _, base = _resolved("russia-2022")
    _, coalition = _resolved("asylum-coalition")
    assert edited_levers(base, coalition) == {"entry", "asylum", "screening", "relocation"}
    kazakhstan_closes = {**base, "policies": [*base["policies"],
                                               {"country": "KZ", "from": "2022-09-25", "entry": "closed"}]}
    assert edited_levers(base, kazakhstan_closes) == {"entry"}
    assert edited_levers(base, base) == set()
    credibility = {**base, "front": {**base["front"], "captor_credibility": 0.9}}
    assert edited_levers(base, credibility) == {"captor credibility"}


def test_claims_follow_the_edit_and_never_show_a_scenario_minus_itself(comparison_dir):
    from exitwave.report.claims import follow_edit

    comparison = _subset(Comparison.load(comparison_dir), ["russia-2022", "asylum-coalition"])
    kept = follow_edit(comparison, audit(comparison))
    codes = {v.claim.code for v in kept}
    assert {"C1", "C2", "C8"} <= codes and not codes & {"C5", "C6", "C9", "C10", "C11"}
    c1 = next(v for v in kept if v.claim.code == "C1")
    assert c1.claim.text == "asylum-coalition vs russia-2022: departures rise"
    # the same scenario on both sides: no claim at all
    base = Comparison.load(comparison_dir)
    same = Comparison(names=["russia-2022", "russia-2022"], seeds=base.seeds, fields=base.fields,
                      values={"russia-2022": base.values["russia-2022"]},
                      run_dirs=[d for d in base.run_dirs if d.parent.name == "russia-2022"])
    assert follow_edit(same, audit(same)) == []
    # credibility alone concerns the front's claims, not departures or screening
    credible = _subset(Comparison.load(comparison_dir), ["russia-2022", "captor-credibility"])
    assert {v.claim.code for v in follow_edit(credible, audit(credible))} <= {"C4", "C6", "C7"}


def _morale_comparison(morale_change: list[float]) -> Comparison:
    """Two scenarios on four seeds, in memory: departures up by a quarter, morale moved by
    ``morale_change`` (one value per seed)."""
    fields = [("departed", "departed"), ("mobilized", "mobilized"), ("mean_morale", "mean morale at end")]
    base = np.array([[800_000.0, 300_000.0, 0.137], [810_000.0, 300_000.0, 0.138],
                     [790_000.0, 300_000.0, 0.136], [805_000.0, 300_000.0, 0.137]])
    proposal = base.copy()
    proposal[:, 0] *= 1.25
    proposal[:, 2] += morale_change
    return Comparison(names=["russia-2022", "asylum-coalition"], seeds=[1, 2, 3, 4], fields=fields,
                      values={"russia-2022": base, "asylum-coalition": proposal})


def test_an_immaterial_change_in_morale_is_not_supported():
    # C3 was "supported" on a morale change of −0.000 (every seed a hair lower): the band lay
    # below zero, but far within the 0.05 that would matter (the audit's threshold for morale)
    tiny = audit(_morale_comparison([-0.0004, -0.0003, -0.0005, -0.0002]))
    c3 = next(v for v in tiny if v.claim.code == "C3")
    assert c3.p95 < 0 and abs(c3.p5) < 0.05
    assert c3.verdict == "supported but small" and c3.material == pytest.approx(0.05)
    assert _verdict(c3.claim.direction, c3.p5, c3.p95) == "supported"  # the old rule, without materiality
    c1 = next(v for v in tiny if v.claim.code == "C1")
    assert c1.verdict == "supported" and c1.material == pytest.approx(0.05 * 802_500)  # 5 % of the status quo
    # a fall that matters is supported; a change within ±0.05 either way is not
    large = next(v for v in audit(_morale_comparison([-0.08, -0.07, -0.09, -0.06])) if v.claim.code == "C3")
    assert large.verdict == "supported"
    both = next(v for v in audit(_morale_comparison([-0.01, 0.01, -0.02, 0.02])) if v.claim.code == "C3")
    assert both.verdict == "not supported (no change that matters)"
    none = next(v for v in audit(_morale_comparison([0.0, 0.0, 0.0, 0.0])) if v.claim.code == "C3")
    assert none.verdict == "not supported (no difference)"


def test_the_plain_summary_gives_effects_in_people_and_percent_and_the_verdicts():
    from exitwave.report.verdicts import plain_summary

    (text,) = plain_summary(_morale_comparison([-0.0004, -0.0003, -0.0005, -0.0002]))
    # in people and in % of the status quo: a quarter of the median 802.5k
    assert text.startswith("Against russia-2022, asylum-coalition adds 200.6k departures (+25.0%)")
    assert "medians over 4 seeds at fixed parameters" in text
    assert "Supported: C1 (departed)." in text  # material
    assert "Supported but small: C3 (mean morale)." in text  # in the claimed direction, too small to matter
    # the same words as the claims table of the same comparison
    rows = {(v.claim.code, v.claim.output): v.verdict for v in audit(_morale_comparison([-0.0004, -0.0003,
                                                                                            -0.0005, -0.0002]))}
    assert rows[("C3", "mean_morale")] == "supported but small" and rows[("C1", "departed")] == "supported"

    # outputs no claim is about: nothing to say, rather than an empty paragraph
    bare = Comparison(names=["a", "b"], seeds=[1, 2], fields=[("hiding", "hiding at end")],
                      values={"a": np.array([[1.0], [2.0]]), "b": np.array([[3.0], [4.0]])})
    assert plain_summary(bare) == []
