"""Open exploration: levers and uncertain parameters sampled together, the tidy table and the
files, the rank correlations and their intervals, the trade-off figure, resume."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import exitwave
from exitwave.errors import InputError
from exitwave.experiments.explore import (
    TRADEOFF,
    Exploration,
    explore,
    lever_overrides,
    levers_for,
    rank_correlation,
)
from exitwave.experiments.tidy import TIDY_COLUMNS
from helpers import finished_runs, interrupt_after

PARAMS = ["behaviour.threat_weight", "behaviour.asylum_application_share"]
SMALL = {"scale": 20000, "days": 30, "parameters": PARAMS}
N = 6


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("explore") / "ex"


@pytest.fixture(scope="module")
def result(folder: Path) -> Exploration:
    return explore("russia-2022", N, out=folder, progress=False, **SMALL)


def test_levers_and_parameters_are_sampled_together(result: Exploration) -> None:
    levers = [lever.name for lever in result.levers]
    assert levers == ["coalition_recognition", "coalition_open_entry", "exit_closure", "front.captor_credibility",
                      "front.deserter_asylum", "front.coercion"]
    assert sorted(result.parameters) == sorted(PARAMS)
    assert result.calibrated == ["behaviour.threat_weight"]  # from the bundled posterior, not the hypercube
    assert list(result.design.columns) == levers + result.parameters and len(result.design) == N
    for lever in result.levers:  # a Latin hypercube: every lever's range is covered, switches both ways
        values = result.design[lever.name]
        if lever.switch:
            assert set(values) == {0.0, 1.0}
        else:
            assert values.between(lever.low, lever.high).all() and values.nunique() == N
            # one draw in each of the N strata of the range
            assert sorted(((values - lever.low) / (lever.high - lever.low) * N).astype(int)) == list(range(N))
    registry_ranges = {"behaviour.threat_weight": (4.0, 10.0), "behaviour.asylum_application_share": (0.05, 0.8)}
    for name in PARAMS:
        low, high = registry_ranges[name]
        assert result.design[name].between(low, high).all()
    # a calibrated parameter takes the values of posterior particles (how much they vary depends on
    # the posterior's effective sample size, which calibrate reports); the hypercube ones all differ
    posterior = pd.read_csv(Path(exitwave.__file__).parent / "data/calibration/russia-2022/posterior.csv")
    assert result.design["behaviour.threat_weight"].isin(posterior["behaviour.threat_weight"]).all()
    assert result.design["behaviour.asylum_application_share"].nunique() == N
    share = result.design["behaviour.asylum_application_share"]
    assert sorted(((share - 0.05) / 0.75 * N).astype(int)) == list(range(N))


def test_lever_overrides_edit_the_scenario() -> None:
    from exitwave.experiments.audit import resolved_fields
    from exitwave.scenario.load import load_scenario

    fields = resolved_fields("russia-2022")
    levers = {lever.name: lever for lever in levers_for("russia-2022")}
    on = lever_overrides([levers["coalition_recognition"], levers["coalition_open_entry"], levers["exit_closure"],
                          levers["front.deserter_asylum"]], [0.8, 1.0, 1.0, 1.0], fields)
    scenario = load_scenario("russia-2022", overrides=on)
    added = scenario.policies[len(fields["policies"]):]
    assert {(p.country, p.asylum, p.recognition_rate) for p in added if p.asylum} == {
        ("EU", "case_by_case", 0.8), ("NATO", "case_by_case", 0.8)}
    assert {(p.country, p.entry) for p in added if p.entry} == {("EU", "open"), ("NATO", "open")}
    assert all(str(p.from_) == "2022-09-21" for p in added)  # from the call-up
    assert str(scenario.countermeasures.exit_closure.from_) == "2022-10-05"  # two weeks after it
    assert scenario.front.deserter_asylum is True
    off = load_scenario("asylum-coalition-exits-closed",
                        overrides=lever_overrides([levers["exit_closure"], levers["coalition_open_entry"]], [0.0, 0.0],
                                                  resolved_fields("asylum-coalition-exits-closed")))
    assert off.countermeasures.exit_closure is None  # off: no closure, even where the scenario had one
    assert len(off.policies) == len(load_scenario("asylum-coalition-exits-closed").policies)  # entry as it was
    # a scenario without EU or NATO in its world, and no front, has fewer levers
    gdr = levers_for("gdr-1989")
    assert [lever.name for lever in gdr] == ["exit_closure"]
    assert gdr[0].label == "exits closed 14 days after the start"  # no call-up: from the scenario's start
    with pytest.raises(InputError, match="expected one of"):
        levers_for("russia-2022", ["no_such_lever"])


def test_tidy_table_and_files(result: Exploration, folder: Path) -> None:
    tidy = result.to_tidy()
    assert tuple(tidy.columns) == TIDY_COLUMNS
    assert list(tidy.dtypes.astype(str)) == ["string", "string", "int64", "Int64", "string", "float64"]
    assert set(tidy["draw"]) == set(range(N)) and set(tidy["seed"]) == {1}
    assert (tidy.groupby(["run", "output"]).size() == 1).all()
    for name in ("draws.csv", "runs.csv", "runs.parquet", "influence.csv", "tradeoff.png", "tradeoff.svg",
                 "explore.json"):
        assert (folder / name).is_file() and (folder / name).stat().st_size > 0, name
    assert not list(folder.glob(".*tmp*"))  # written atomically: no temporary left behind
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "runs.parquet"), tidy)
    draws = pd.read_csv(folder / "draws.csv", index_col="draw")
    np.testing.assert_allclose(draws.to_numpy(), result.design.to_numpy())
    assert (folder / "tradeoff.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (folder / "tradeoff.svg").read_text()
    assert "departed (crossed out) (people)" in svg and "asylum applications (people)" in svg
    outcomes = result.outcomes()
    assert list(outcomes.columns) == list(TRADEOFF) and len(outcomes) == N
    wide = tidy[tidy["output"].isin(TRADEOFF)].pivot(index="draw", columns="output", values="value")
    np.testing.assert_allclose(wide[list(TRADEOFF)].to_numpy(), outcomes.to_numpy())
    assert outcomes["departed"].nunique() > 1  # the levers and parameters move the outputs


def test_influence_ranks_levers_and_parameters_with_intervals(result: Exploration) -> None:
    table = result.influence()
    assert set(table["output"]) <= set(TRADEOFF) and set(table["kind"]) <= {"lever", "parameter"}
    for output, part in table.groupby("output"):
        sizes = part["rho"].abs().to_numpy()
        assert (np.diff(sizes) <= 1e-12).all(), output  # strongest first
        assert list(part["rank"]) == list(range(1, len(part) + 1))
        assert ((part["low"] <= part["rho"]) & (part["rho"] <= part["high"])).all()
    for _, row in table.iterrows():
        expected, _, _ = rank_correlation(result.design[row["factor"]].to_numpy(),
                                          result.outcomes()[row["output"]].to_numpy())
        assert row["rho"] == pytest.approx(expected)
    top = result.influence(top=2)
    assert top.groupby("output").size().max() <= 2
    text = result.influence_table(top=2)  # what the command prints
    assert list(text.columns) == ["departed (crossed out), people", "soldiers at the front (at end), people",
                                  "asylum applications, people"]
    for output, part in table.groupby("output"):
        expected = [*part["factor"].head(2), part[part["kind"] == "lever"]["factor"].iloc[0]]
        for name in expected:
            row = result.factor_label(name) + " (lever)" if name in {lv.name for lv in result.levers} else name
            assert row in text.index, (output, name)
    strongest = table.loc[table["rho"].abs().idxmax()]  # the strongest row comes first
    assert text.index[0] == strongest["label"] + (" (lever)" if strongest["kind"] == "lever" else "")
    assert all("[" in c and "…" in c for c in text.to_numpy().ravel() if c != "–")
    assert repr(result).startswith("Exploration(russia-2022: 6 of 6 runs, 6 levers × 2 parameters")
    assert len(repr(result)) < 300


def test_rank_correlation_and_its_interval() -> None:
    rng = np.random.default_rng(4)
    x = rng.random(40)
    rho, low, high = rank_correlation(x, 3 * x**3 + 1)
    assert rho == pytest.approx(1.0) and high == pytest.approx(1.0) and low > 0.95
    rho, low, high = rank_correlation(x, -x)
    assert rho == pytest.approx(-1.0) and high < -0.95
    rho, low, high = rank_correlation(x, rng.random(40))
    assert low < rho < high and low < 0 < high  # unrelated: the interval covers zero
    noisy = x + rng.normal(0, 0.3, 40)
    narrow = rank_correlation(np.tile(x, 4), np.tile(noisy, 4))
    wide = rank_correlation(x, noisy)
    assert narrow[2] - narrow[1] < wide[2] - wide[1]  # more runs, a narrower interval
    assert np.isnan(rank_correlation(np.ones(10), x[:10])[0])  # a constant factor says nothing
    assert np.isnan(rank_correlation(x[:3], x[:3])[1])  # too few runs for an interval
    with_nan = x.copy()
    with_nan[0] = np.nan  # a failed run is left out
    assert rank_correlation(with_nan, x)[0] == pytest.approx(rank_correlation(x[1:], x[1:])[0])


def test_trade_off_figure_has_labels_units_and_a_legend(result: Exploration) -> None:
    fig = result.plot("coalition_recognition")  # continuous: a colour bar
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 3
    labels = {(ax.get_xlabel(), ax.get_ylabel()) for ax in panels}
    assert labels == {("departed (crossed out) (people)", "soldiers at the front (at end) (people)"),
                      ("departed (crossed out) (people)", "asylum applications (people)"),
                      ("soldiers at the front (at end) (people)", "asylum applications (people)")}
    assert any("share of asylum claims" in ax.get_ylabel() for ax in fig.axes if ax not in panels)
    assert all(len(ax.collections[0].get_offsets()) == N for ax in panels)  # each point a run
    fig = result.plot("exit_closure")  # on/off: a legend
    assert fig.legends and {t.get_text() for t in fig.legends[0].get_texts()} == {"on", "off"}
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert not any("e+" in t or "1e" in t for t in ticks)
    with pytest.raises(InputError):
        result.plot("no_such_lever")


def test_a_partial_folder_resumes_to_the_same_result(result: Exploration, folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ex"
    shutil.copytree(folder, copy)
    for i in (1, 4):  # what Ctrl-C leaves: some runs missing, one half-written, no tables yet
        shutil.rmtree(copy / "runs" / f"draw-{i}")
    (copy / "runs" / ".draw-1.tmp-999999999").mkdir()
    for name in ("runs.csv", "runs.parquet", "influence.csv", "tradeoff.png"):
        (copy / name).unlink()
    kept = (copy / "runs" / "draw-0" / "summary.json").stat().st_mtime_ns
    seen: list[bool] = []
    resumed = explore("russia-2022", N, out=copy, progress=lambda o: seen.append(o.skipped), **SMALL)
    assert sorted(seen) == [False, False, True, True, True, True]  # two runs run, four read back
    assert (copy / "runs" / "draw-0" / "summary.json").stat().st_mtime_ns == kept
    assert not (copy / "runs" / ".draw-1.tmp-999999999").exists()
    pd.testing.assert_frame_equal(resumed.to_tidy(), result.to_tidy())
    pd.testing.assert_frame_equal(resumed.influence(), result.influence())
    assert (copy / "runs.csv").read_text() == (folder / "runs.csv").read_text()
    assert (copy / "influence.csv").read_text() == (folder / "influence.csv").read_text()
    with pytest.raises(InputError, match="an exploration made with other settings"):
        explore("russia-2022", N, out=copy, progress=False, seed=2, **SMALL)


def test_bad_input_is_refused_before_any_run(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="at least 2"):
        explore("russia-2022", 1, progress=False, **SMALL)
    with pytest.raises(InputError, match="registry parameter"):
        explore("russia-2022", 4, progress=False, scale=20000, days=5, parameters=["front.captor_credibility"])
    with pytest.raises(InputError, match="refused"):  # a front too small for this many men per agent
        explore("russia-2022", 4, progress=False, scale=100000, days=5, parameters=PARAMS, out=tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_explore_command_resumes_after_sigint(result: Exploration, folder: Path, tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env.update(NO_COLOR="1", COLUMNS="80", TERM="dumb")
    split = tmp_path / "ex"
    args = [sys.executable, "-m", "exitwave", "explore", "russia-2022", "-n", str(N), "--scale", "20000",
            "--days", "30", *[a for p in PARAMS for a in ("--param", p)], "--out", str(split)]
    assert interrupt_after(args, env, tmp_path / "log.txt", lambda: finished_runs(split) >= 2) == 130
    kept = finished_runs(split)
    text = (tmp_path / "log.txt").read_text()
    assert 2 <= kept < N and "interrupted" in text and "resume" in text
    assert not (split / "runs.csv").exists()  # the tables come when every run is done

    shown = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert shown.returncode == 0, shown.stderr
    assert f"{kept} of {N}" in shown.stderr and f"{N} of {N}" in shown.stderr  # plain lines, not a bar
    assert "what moves each output most" in shown.stdout and "(lever)" in shown.stdout
    assert "applications," in shown.stdout and "Spearman" in shown.stdout  # the column headers wrap
    assert max(len(line) for line in shown.stdout.splitlines()) <= 80
    # the interrupted and resumed exploration equals the uninterrupted one
    for name in ("runs.csv", "influence.csv", "draws.csv"):
        assert (split / name).read_text() == (folder / name).read_text(), name

    from io import StringIO

    from typer.testing import CliRunner

    from exitwave.cli import app

    as_csv = CliRunner().invoke(app, [*args[3:], "--format", "csv"])  # every run read back: in this process
    assert as_csv.exit_code == 0, as_csv.output
    numbers = pd.read_csv(StringIO(as_csv.stdout))
    pd.testing.assert_frame_equal(numbers, pd.read_csv(split / "influence.csv"))
