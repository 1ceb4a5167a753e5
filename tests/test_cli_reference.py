"""docs/cli.md is what the CLI says today."""

from __future__ import annotations

from pathlib import Path

from exitwave.cli_reference import markdown


def test_the_committed_cli_reference_matches_the_cli() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert page == markdown(), "regenerate docs/cli.md: python -m exitwave.cli_reference > docs/cli.md"


def test_every_command_and_option_is_documented() -> None:
    text = markdown()
    for command in ("run", "validate", "scenarios", "compare", "ensemble", "sweep", "explore", "sensitivity",
                    "calibrate", "report", "diff", "baseline check", "baseline update"):
        assert f"## `exitwave {command}`" in text
    assert "| `--scale` |" in text and "| `-n` | `8` |" in text
