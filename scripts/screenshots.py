"""Regenerate the screenshots in docs/img/: the dashboard after a comparison, and the report's
claims table.

    .venv/bin/python scripts/screenshots.py            # writes docs/img/dashboard.png, claims-table.png
    .venv/bin/python scripts/screenshots.py --scale 500 --seeds 8

Runs in a temporary project folder (nothing is left under runs/) with Debian's Chromium
(/usr/bin/chromium, or EXITWAVE_CHROMIUM). Takes a minute or two on a laptop.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

from playwright.sync_api import sync_playwright  # noqa: E402

from exitwave.dashboard import browser  # noqa: E402
from exitwave.experiments import compare  # noqa: E402
from exitwave.report import build_report  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def dashboard_png(out: Path, scale: float, seeds: int, playwright: object, workdir: Path) -> None:
    """Run asylum-coalition and asylum-coalition-exits-closed against russia-2022 in the dashboard
    and photograph the top of the result: the plain-language summary, the headline table and the
    charts of the paired differences."""
    project = workdir / "project"
    project.mkdir()
    with browser.serve(project) as url:
        chromium = browser.launch(playwright)
        try:
            page = chromium.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.get_by_role("button", name="Run comparison").wait_for(timeout=120_000)
            browser.choose(page, "Baseline (status quo)", "russia-2022")
            browser.choose(page, "Proposal", "asylum-coalition")
            browser.choose_many(page, "Also compare", ["asylum-coalition-exits-closed"])
            browser.set_number(page, "Men per agent (scale)", scale)
            browser.set_number(page, "Seeds per scenario", seeds)
            browser.run_comparison(page, timeout_ms=600_000)
            page.set_viewport_size({"width": 1400, "height": 3000})
            page.locator(".st-key-differences svg").first.wait_for(timeout=60_000)
            page.wait_for_timeout(2000)
            page.screenshot(path=str(out))
        finally:
            chromium.close()


def claims_png(out: Path, scale: float, seeds: int, playwright: object, workdir: Path) -> None:
    """Build the bundled three-way comparison, write its report and photograph the claims table."""
    folder = workdir / "comparison"
    compare(["russia-2022", "asylum-coalition", "asylum-coalition-exits-closed", "captor-credibility"], n=seeds, scale=scale,
            out_dir=folder)
    report = build_report(folder, folder / "report.html")
    chromium = browser.launch(playwright)
    try:
        context = chromium.new_context(offline=True, viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(report.as_uri())
        page.locator("#claims-table").screenshot(path=str(out))
    finally:
        chromium.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img", help="folder for the PNGs")
    parser.add_argument("--scale", type=float, default=1000.0, help="men per agent")
    parser.add_argument("--seeds", type=int, default=4, help="seeds per scenario")
    parser.add_argument("--only", choices=("dashboard", "claims"), help="make only this picture")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="exitwave-shots-") as tmp, sync_playwright() as playwright:
        if args.only in (None, "dashboard"):
            dashboard_png(args.out / "dashboard.png", args.scale, args.seeds, playwright, Path(tmp))
            print(f"written: {args.out / 'dashboard.png'}")
        if args.only in (None, "claims"):
            claims_png(args.out / "claims-table.png", args.scale, args.seeds, playwright, Path(tmp))
            print(f"written: {args.out / 'claims-table.png'}")


if __name__ == "__main__":
    main()
