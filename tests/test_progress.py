"""Progress (exitwave.progress): plain lines when output goes to a file; the Python API shows a
bar by default, reports to a callable, and is silent with progress=False."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from exitwave.experiments import compare
from exitwave.progress import PlainProgress, make_progress, runs_bar


def test_a_log_file_gets_plain_lines_every_five_percent() -> None:
    file = io.StringIO()
    console = Console(file=file, color_system=None, width=200)
    progress = make_progress(console)
    assert isinstance(progress, PlainProgress)  # a file is not a terminal
    with progress:
        task = progress.add_task("sweep russia-2022", total=40, failed=0)
        for _ in range(40):
            progress.update(task, advance=1, failed=1)
    lines = file.getvalue().splitlines()
    assert len(lines) == 20  # every 5 % of 40 runs: every second run
    assert lines[0].startswith("sweep russia-2022: 2 of 40, 1 failed") and "s left" in lines[0]
    assert lines[-1].startswith("sweep russia-2022: 40 of 40")


def test_runs_bar_passes_callables_and_stays_silent_when_asked(capfd: pytest.CaptureFixture[str]) -> None:
    seen = []
    with runs_bar(seen.append, 3, "x") as report:
        assert report is not None
        report("a")
    assert seen == ["a"]
    with runs_bar(False, 3, "x") as report:
        assert report is None
    with runs_bar(None, 2, "counting", counts=True) as report:
        assert report is not None
        report(2, 2)
    assert "counting: 2 of 2" in capfd.readouterr().err


def test_the_python_api_shows_progress_by_default(capfd: pytest.CaptureFixture[str]) -> None:
    compare(["russia-2022", "asylum-coalition"], n=2, scale=20000, days=3)
    err = capfd.readouterr().err
    assert "compare russia-2022 vs asylum-coalition: 4 of 4" in err
    compare(["russia-2022", "asylum-coalition"], n=2, scale=20000, days=3, progress=False)
    assert capfd.readouterr().err == ""
