"""The examples in the docs and the README run as written.

Rules, per fenced block:

- ``console``: every ``$ exitwave …`` line runs (in a scratch folder holding a copy of
  ``examples/``) and must exit 0; lines ending in ``\\`` continue on the next.
- ``python``: runs, in order, in one namespace per page, in the same scratch folder.
- ``yaml`` whose first line is ``# some/path.yaml``: written to that path in the scratch folder
  before the page's commands run (the page shows the file, then runs it).
- ``bash``: long or set-up commands (``make demo``, full-scale runs, the real calibration). They
  are not run here, but every ``exitwave …`` line in them is parsed against the real CLI, so a
  renamed command or option fails this test.

``docs/tutorials/another-country.md`` is run by ``tests/test_examples.py`` against its own
example world, so it is only parsed here.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
RUN_ELSEWHERE = {ROOT / "docs" / "tutorials" / "another-country.md"}
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)


def blocks(page: Path) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(page.read_text(encoding="utf-8"))]


def commands(body: str, prompt: bool) -> list[str]:
    """Shell lines of a block, continuation lines joined; with ``prompt`` only ``$ `` lines."""
    out: list[str] = []
    pending = ""
    for raw in body.splitlines():
        line = raw.rstrip()
        if not pending and prompt:
            if not line.startswith("$ "):
                continue
            line = line[2:]
        line = re.sub(r"\s+#\s.*$", "", line)  # a trailing comment
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        out.append((pending + line).strip())
        pending = ""
    return [c for c in out if c]


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def executed(page: Path) -> bool:
    return page not in RUN_ELSEWHERE and any(lang in ("console", "python") for lang, _ in blocks(page))


def parse_with_cli(line: str) -> None:
    from exitwave.cli import app

    root = typer.main.get_command(app)
    words = shlex.split(line)
    assert words[0] == "exitwave", line
    command, rest = root, words[1:]
    while hasattr(command, "commands") and rest and rest[0] in command.commands:
        command, rest = command.commands[rest[0]], rest[1:]
    assert not hasattr(command, "commands"), f"not a command: {line!r}"
    command.make_context("exitwave", list(rest))  # raises on an unknown option or bad value


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_exitwave_command_in_the_docs_parses(page: Path) -> None:
    for lang, body in blocks(page):
        if lang in ("bash", "console", "sh", ""):
            for line in commands(body, prompt=(lang == "console")):
                if line.startswith("exitwave "):
                    parse_with_cli(line)


@pytest.mark.slow
@pytest.mark.parametrize("page", [p for p in PAGES if executed(p)], ids=page_id)
def test_the_examples_of_a_page_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    env = {**os.environ, "MPLBACKEND": "Agg", "COLUMNS": "120"}
    for lang, body in blocks(page):
        first = body.splitlines()[0] if body.strip() else ""
        if lang == "yaml" and re.fullmatch(r"# [\w./-]+\.ya?ml", first.strip()):
            target = tmp_path / first.strip()[2:]
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(body, encoding="utf-8")
    namespace: dict[str, object] = {"__name__": f"docs:{page.name}"}
    ran = 0
    for lang, body in blocks(page):
        if lang == "console":
            for line in commands(body, prompt=True):
                words = shlex.split(line)
                assert words[0] == "exitwave", f"{page_id(page)}: console blocks run exitwave only: {line!r}"
                done = subprocess.run([sys.executable, "-m", "exitwave", *words[1:]], cwd=tmp_path, env=env,
                                      capture_output=True, text=True, timeout=600)
                assert done.returncode == 0, f"{page_id(page)}: `{line}` exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
                ran += 1
        elif lang == "python":
            assert ">>>" not in body, f"{page_id(page)}: write examples as plain python blocks, not doctests"
            exec(compile(body, f"{page_id(page)} (python block)", "exec"), namespace)  # noqa: S102
            ran += 1
    assert ran > 0
