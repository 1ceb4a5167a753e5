"""Comparisons resume safely: the same settings or a refusal; no stale temporaries left behind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from exitwave.cli import app
from exitwave.errors import InputError
from exitwave.experiments.comparison import compare

SMALL = {"n": 2, "scale": 8000.0, "days": 6}


def test_resuming_with_other_settings_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    first = compare(["russia-2022", "asylum-coalition"], out_dir=tmp_path, **SMALL)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(InputError, match="days") as caught:
        compare(["russia-2022", "asylum-coalition"], out_dir=tmp_path, **{**SMALL, "days": 7})
    assert "other settings" in str(caught.value)
    with pytest.raises(InputError, match="scenarios"):
        compare(["russia-2022", "captor-credibility"], out_dir=tmp_path, **SMALL)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    # the same settings resume: every run is read back, the table is the same
    again = compare(["russia-2022", "asylum-coalition"], out_dir=tmp_path, **SMALL)
    for name in first.names:
        assert np.array_equal(first.values[name], again.values[name])


def test_a_compare_removes_temporaries_left_by_a_killed_run(tmp_path: Path) -> None:
    stale = tmp_path / "russia-2022" / ".seed-1.tmp-999999999"  # no such process
    stale.mkdir(parents=True)
    (stale / "series.parquet").write_bytes(b"half written")
    compare(["russia-2022", "asylum-coalition"], out_dir=tmp_path, **SMALL)
    assert not stale.exists()


def test_run_removes_temporaries_left_by_a_killed_run(tmp_path: Path) -> None:
    stale = tmp_path / ".russia-2022-20260101T000000-s1.tmp-999999999"
    stale.mkdir()
    result = CliRunner().invoke(app, ["run", "russia-2022", "--scale", "8000", "--days", "3", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert len([p for p in tmp_path.iterdir() if not p.name.startswith(".")]) == 1


def test_the_comparison_plot_keeps_every_row_readable():
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np

    from exitwave.experiments.comparison import Comparison

    fields = [("departed", "departed (crossed out)"), ("hostile_admitted", "infiltrators admitted"),
              ("killed", "killed")]
    base = np.array([[1000.0, 0.0, 50.0], [1100.0, 0.0, 60.0], [900.0, 0.0, 55.0]])
    values = {"a": base, "b": base * np.array([1.5, 1.0, 0.9]), "c": base * np.array([0.5, 1.0, 1.1])}
    ax = Comparison(names=["a", "b", "c"], seeds=[1, 2, 3], fields=fields, values=values).plot()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["departed (crossed out)", "killed"]  # the zero-based row cannot be a percentage…
    assert "infiltrators admitted" in ax.get_xlabel()  # …and says so
    assert ax.get_xscale() == "linear" and [t.get_text() for t in ax.get_legend().get_texts()] == ["b", "c"]
    assert ax.figure.get_figheight() / len(labels) > 0.4  # inches per row: no row squashed
    points = np.concatenate([line.get_xdata() for line in ax.get_lines() if line.get_marker() == "o"])
    assert np.allclose(sorted(points), [-50.0, -10.0, 10.0, 50.0], atol=1.0)  # % of the status quo
