"""The HTML report opened in headless Chromium with the network off: nothing leaves the file,
no errors, every plot drawn, and the claims table has verdicts.

Needs Debian's Chromium at /usr/bin/chromium (``make test`` installs it); without it this test
fails with a message saying so.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import sync_playwright

from exitwave.dashboard import browser
from exitwave.experiments import compare
from exitwave.report import build_report

MIN_PLOTS = 3  # daily band panels (two rows) and the flow map; the report is growing, so "at least"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    # 1 agent = 1,000 men: at 2,000 the lowest of three seeds' extra departures sits on C1's
    # materiality threshold (30,800 against 30,900) and the verdict turns on one agent
    folder = tmp_path_factory.mktemp("cmp")
    compare(["russia-2022", "asylum-coalition", "asylum-coalition-exits-closed"], n=3, scale=1000,
            days=60, out_dir=folder)
    return build_report(folder, folder / "report.html")


def test_the_report_renders_offline_with_every_plot_and_the_claims(report, tmp_path):
    chromium = browser.chromium_path()  # fails, clearly, without Chromium
    left_the_file: list[str] = []
    console_errors: list[str] = []
    page_errors: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:
            left_the_file.append(url)
            route.abort()

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=browser.CHROMIUM_ARGS)
        try:
            context = launched.new_context(offline=True, viewport={"width": 1200, "height": 900})
            context.route("**/*", guard)
            page = context.new_page()
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.on("requestfailed", lambda r: None if r.url.startswith(("file:", "data:"))
                    else left_the_file.append(r.url))
            page.goto(report.as_uri(), wait_until="load")
            page.wait_for_load_state("networkidle")

            images = page.eval_on_selector_all(
                "img", "els => els.map(e => ({w: e.naturalWidth, h: e.naturalHeight, done: e.complete}))")
            svgs = page.eval_on_selector_all(
                "svg", "els => els.map(e => { const r = e.getBoundingClientRect(); return {w: r.width, h: r.height}; })")
            assert len(images) + len(svgs) >= MIN_PLOTS, (images, svgs)
            for image in images:
                assert image["done"] and image["w"] > 0 and image["h"] > 0, image
            for svg in svgs:
                assert svg["w"] > 0 and svg["h"] > 0, svg

            table = page.locator("#claims-table")
            rows = table.locator("tr", has=page.locator("td"))
            texts = [rows.nth(k).inner_text() for k in range(rows.count())]
            assert all(re.search(r"\bC\d+\b", text) for text in texts), texts  # every row is a claim
            judged = [t for t in texts if re.search(r"supported|contradicted|undetermined", t)]
            assert len(judged) >= 3, texts  # claims the comparison tests get a verdict
            c1 = table.locator("tr", has_text="Offering asylum makes many more men leave").first
            assert "supported" in c1.inner_text()

            shot = tmp_path / "claims-table.png"
            table.screenshot(path=str(shot))
            print(f"claims table screenshot: {shot}")
            assert shot.stat().st_size > 5_000
        finally:
            launched.close()
    assert not left_the_file, f"requests left the file: {left_the_file}"
    assert not console_errors, f"console errors: {console_errors}"
    assert not page_errors, f"page errors: {page_errors}"


def test_the_report_reads_well_on_screen_and_on_a4(report, tmp_path):
    """A screenshot of the whole report; every figure carries its legend and units (in its
    description, for readers and for this test: they are drawn into the images); printed on A4
    every table stays within the page's width."""
    chromium = browser.chromium_path()
    names = ["russia-2022", "asylum-coalition", "asylum-coalition-exits-closed"]
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=browser.CHROMIUM_ARGS)
        try:
            page = launched.new_context(offline=True, viewport={"width": 1200, "height": 900}).new_page()
            page.goto(report.as_uri(), wait_until="load")
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"report screenshot: {shot}")
            assert shot.stat().st_size > 50_000

            described = page.eval_on_selector_all("img", "els => els.map(e => e.alt)")
            assert described and all(alt and alt != "plot" for alt in described), described
            with_legend = [alt for alt in described if "legend:" in alt]
            assert len(with_legend) >= len(described) - 1, described  # every figure but at most one
            series = [alt for alt in described if "Departures by destination" in alt][0]
            assert all(name in series for name in names) and "people (cumulative)" in series
            assert any("observed in 2022" in alt for alt in described)  # the data overlaid
            assert any("more cross in" in alt for alt in described)  # the difference map
            assert any("legend:" in alt and "% of its median" in alt for alt in described)  # the forest plot
            lead = page.locator("#plain-summary").inner_text()  # the words first: effects in people and %
            assert lead.startswith("In plain words. Against russia-2022, asylum-coalition adds "), lead
            assert "departures (+" in lead and "%)" in lead and "Supported: C1 (departed)" in lead, lead
            headline = page.locator("#headline + table")
            assert "departed (crossed out)" in headline.inner_text()
            assert page.locator("#exports").count() == 1 and page.locator(".exports a").count() >= 4

            # A4 portrait, 10 mm margins: 190 mm of width at 96 px per inch
            page.emulate_media(media="print")
            page.set_viewport_size({"width": int(190 / 25.4 * 96), "height": 1100})
            overflow = page.eval_on_selector_all(
                "table", "els => els.map(e => [e.scrollWidth, e.parentElement.clientWidth])")
            assert overflow and all(width <= room + 1 for width, room in overflow), overflow
            pdf = tmp_path / "report.pdf"
            page.pdf(path=str(pdf), format="A4", print_background=True)
            assert pdf.stat().st_size > 50_000
        finally:
            launched.close()
