"""The run-folder writer (results.write_folder, fresh_name, child_path): nothing is written outside
the folder it is given, whatever the name (issue 16, defect 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from exitwave.errors import InputError
from exitwave.results import child_path, fresh_name, write_folder

BAD_NAMES = ["../escaped", "../../x", "a/b", "/tmp/abs", ".", "..", "", ".hidden", "a\x00b", "a\nb"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_write_folder_refuses_a_name_that_is_not_one_plain_component(tmp_path: Path, name: str) -> None:
    out = tmp_path / "runs"
    out.mkdir()
    filled: list[Path] = []
    with pytest.raises(InputError) as info:
        write_folder(out, filled.append, name)
    assert info.value.field == "name" and "inside" in info.value.expected
    assert filled == []  # refused before any file was written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("name", BAD_NAMES)
def test_fresh_name_refuses_the_same_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError):
        fresh_name(tmp_path, name)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "runs" / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(InputError):
        child_path(tmp_path / "runs", "link")


def test_a_plain_name_is_written_inside(tmp_path: Path) -> None:
    final = write_folder(tmp_path / "runs", lambda t: (t / "a.txt").write_text("x"), "tiny-20260101T000000-s1")
    assert final == tmp_path / "runs" / "tiny-20260101T000000-s1"
    assert (final / "a.txt").read_text() == "x"
    assert fresh_name(tmp_path / "runs", final.name) == f"{final.name}-2"
