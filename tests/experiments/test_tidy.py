"""One tidy per-run table with the same schema for compare, ensemble and sweep; short reprs;
daily series as xarray; scenario objects with long names in compare()."""

from __future__ import annotations

from pathlib import Path

import pytest

from exitwave.experiments import compare
from exitwave.experiments.ensembles import ensemble
from exitwave.experiments.sweeps import sweep
from exitwave.experiments.tidy import TIDY_COLUMNS
from exitwave.scenario.load import load_scenario

TINY = {"scale": 20000, "days": 8, "progress": False}


@pytest.fixture(scope="module")
def experiments(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("tidy")
    return {
        "compare": compare(["russia-2022", "asylum-coalition"], n=2, out_dir=folder / "cmp", **TINY),
        "ensemble": ensemble("russia-2022", n=2, out=folder / "ens", **TINY),
        "sweep": sweep("russia-2022", {"behaviour.patience_days": [2, 8]}, n=2, **TINY),
    }


def test_every_experiment_has_the_same_tidy_schema(experiments: dict[str, object]) -> None:
    frames = {name: result.to_tidy() for name, result in experiments.items()}  # type: ignore[attr-defined]
    dtypes = {name: list(frame.dtypes.astype(str)) for name, frame in frames.items()}
    for name, frame in frames.items():
        assert tuple(frame.columns) == TIDY_COLUMNS, name
        assert dtypes[name] == dtypes["compare"], name
        assert frame["value"].notna().any() and (frame.groupby(["run", "output"]).size() == 1).all(), name
    assert frames["compare"]["draw"].isna().all() and frames["ensemble"]["draw"].isna().all()
    assert set(frames["sweep"]["draw"]) == {0, 1}
    assert set(frames["compare"]["scenario"]) == {"russia-2022", "asylum-coalition"}
    # the same run (russia-2022, seed 1) has the same numbers in a comparison and an ensemble
    def numbers(frame):  # noqa: ANN001, ANN202
        part = frame[(frame["scenario"] == "russia-2022") & (frame["seed"] == 1)]
        return part.set_index("output")["value"].sort_index()

    assert numbers(frames["compare"]).equals(numbers(frames["ensemble"]))
    assert "mobilization_shortfall" in set(frames["sweep"]["output"])


def test_reprs_are_short(experiments: dict[str, object]) -> None:
    for name, result in experiments.items():
        text = repr(result)
        assert len(text) < 300 and "\n" not in text, (name, text[:400])
        assert ".to_tidy()" in text


def test_daily_series_as_xarray(experiments: dict[str, object]) -> None:
    cube = experiments["compare"].to_xarray()  # type: ignore[attr-defined]
    assert cube.dims == ("day", "output", "run")
    assert cube.sizes["day"] == 8 and cube.sizes["run"] == 4
    assert "russia-2022/seed-1" in list(cube["run"].values)
    ens = experiments["ensemble"].to_xarray()  # type: ignore[attr-defined]
    assert ens.dims == ("day", "output", "run") and ens.sizes["run"] == 2
    both = cube.sel(run="russia-2022/seed-1", output="departed").values
    assert (both == ens.sel(run="seed-1", output="departed").values).all()


def test_scenario_objects_with_long_names_work_in_compare(tmp_path: Path) -> None:
    edited = load_scenario("asylum-coalition")
    # an edited object (its text is thousands of characters: it was taken for a file name), with
    # the longest name a scenario may have
    edited = edited.model_copy(update={"name": "asylum-coalition-edited-" + "x" * 76})
    result = compare(["russia-2022", edited], n=2, out_dir=tmp_path / "cmp", **TINY)
    assert result.names[1] == edited.name
    assert len(repr(result)) < 1000
    plain = compare(["russia-2022", "asylum-coalition"], n=2, **TINY)
    assert (result.values[edited.name] == plain.values["asylum-coalition"]).all()
