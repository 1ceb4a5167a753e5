"""Bounded YAML input (issue 16, defect 5): size, nesting and alias expansion are capped, and an
error quotes a short excerpt, never the expansion."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from exitwave.errors import InputError
from exitwave.safe_yaml import MAX_BYTES, MAX_DEPTH, MAX_NODES, excerpt, load_text, read_file


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The billion laughs: ``levels`` lists of ``width`` aliases of the list before (~500 bytes)."""
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for k in range(1, levels):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * width) + "]")
    return "\n".join(lines) + f"\ndescription: *a{levels - 1}\n"


def merge_bomb(levels: int = 30) -> str:
    """Merge keys (``<<``) that double at every level."""
    lines = ["m0: &m0 {k: 1}"]
    for k in range(1, levels):
        lines.append(f"m{k}: &m{k} {{<<: [*m{k - 1}, *m{k - 1}], k{k}: 1}}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text", [alias_bomb(), merge_bomb()], ids=["aliases", "merge-keys"])
def test_an_alias_bomb_is_refused_at_once_with_a_short_message(text: str) -> None:
    assert len(text) < 2000
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        load_text(text, "bomb.yaml")
    assert time.perf_counter() - started < 2.0
    assert info.value.file == "bomb.yaml" and info.value.field.startswith("line ")
    assert f"expected at most {MAX_NODES:,} values with aliases (*name) expanded" in info.value.expected
    assert len(str(info.value)) < 300 and "lol" not in str(info.value)


def test_ordinary_anchors_and_aliases_still_work() -> None:
    data = load_text("base: &b {x: 1, y: [1, 2]}\nother: *b\nmerged: {<<: *b, y: 3}\n", "s.yaml")
    assert data["other"] == {"x": 1, "y": [1, 2]}
    assert data["merged"] == {"x": 1, "y": 3}


def test_an_expansion_just_under_the_limit_loads() -> None:
    width = 300
    text = "d: [&a [" + ", ".join(["1"] * width) + "], " + ", ".join(["*a"] * (MAX_NODES // (width + 1) - 2)) + "]\n"
    assert len(load_text(text, "s.yaml")["d"]) == MAX_NODES // (width + 1) - 1


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(InputError, match=r"recursive alias \*a"):
        load_text("name: &a [x, *a]\n", "s.yaml")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5_000, 100_000])
def test_deep_nesting_is_refused_without_a_recursion_error(depth: int) -> None:
    with pytest.raises(InputError, match=f"expected at most {MAX_DEPTH} levels of nesting"):
        load_text("x: " + "[" * depth + "]" * depth + "\n", "s.yaml")
    assert load_text("x: " + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2) + "\n", "s.yaml") is not None


def test_an_undefined_alias_with_a_long_name_is_quoted_short() -> None:
    with pytest.raises(InputError) as info:
        load_text("x: *" + "a" * 100_000 + "\n", "s.yaml")
    assert "found undefined alias" in info.value.expected and len(str(info.value)) < 400


def test_a_field_names_where_the_text_came_from() -> None:
    with pytest.raises(InputError) as info:
        load_text("[1, 2", "overrides", "line 4")
    assert (info.value.file, info.value.field) == ("overrides", "line 4")
    assert "malformed YAML" in info.value.expected and "(line 1, column" in info.value.expected


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("name: x\n# " + "x" * MAX_BYTES + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="at most 1,048,576 bytes") as info:
        read_file(path)
    assert info.value.file == str(path)


def test_a_file_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: café\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"expected UTF-8 text; byte 9 is not \(b'\\xe9'\)"):
        read_file(path)


def test_a_byte_order_mark_is_not_part_of_the_first_key(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: x\n")
    assert read_file(path) == {"name": "x"}


def test_excerpt_is_bounded_for_shared_and_long_values() -> None:
    shared = ["y" * 50] * 300
    assert len(excerpt([shared] * 300)) <= 120
    assert len(excerpt("z" * 1_000_000)) <= 120
    assert excerpt(0.5) == "0.5"


def test_a_file_read_twice_gives_equal_copies_that_do_not_share_state(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text("name: a\nbehaviour: {threat_weight: 3.0}\nlist: [1, 2]\n", encoding="utf-8")
    first = read_file(path)
    first["behaviour"]["threat_weight"] = 99.0  # a caller changing what it read
    first["list"].append(3)
    second = read_file(path)
    assert second == {"name": "a", "behaviour": {"threat_weight": 3.0}, "list": [1, 2]}
    assert second is not first and second["behaviour"] is not first["behaviour"]


def test_an_edited_file_is_read_anew_even_with_the_same_size_and_time(tmp_path: Path) -> None:
    import os

    path = tmp_path / "scenario.yaml"
    path.write_text("name: a\n", encoding="utf-8")
    stamp = path.stat().st_mtime_ns
    assert read_file(path) == {"name": "a"}
    path.write_text("name: b\n", encoding="utf-8")  # same length
    os.utime(path, ns=(stamp, stamp))  # and the same modification time
    assert read_file(path) == {"name": "b"}
    path.write_text("name: [\n", encoding="utf-8")  # a broken edit is an error every time, not a stale value
    for _ in range(2):
        with pytest.raises(InputError, match="malformed YAML"):
            read_file(path)
