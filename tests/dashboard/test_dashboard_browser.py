"""The dashboard in headless Chromium: pick the asylum proposal, run it small, read the audit;
an oversized request is refused in the page and nothing runs.

Needs Debian's Chromium at /usr/bin/chromium (``make test`` installs it); without it these tests
fail with a message saying so.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from exitwave.dashboard import browser

LIMIT = 20_000_000  # agent-days, passed as --max-agent-days


LURE = "![pixel](http://leak.invalid/pixel.png) [click](http://leak.invalid/) **bold**"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    (root / "scenarios").mkdir()
    # a scenario file anyone could hand over: its description is Markdown that would fetch a URL
    (root / "scenarios" / "lure.yaml").write_text(
        f"extends: russia-2022\nname: lure\ndescription: '{LURE}'\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server(project):
    browser.chromium_path()  # fail here, clearly, if Chromium is missing
    with browser.serve(project, max_agent_days=LIMIT) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as playwright:
        launched = browser.launch(playwright)
        yield launched
        launched.close()


@pytest.fixture
def page(chromium, server):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server)
    page.get_by_role("button", name="Run comparison").wait_for(timeout=120_000)
    yield page
    context.close()
    assert not errors, f"errors in the page: {errors}"


def _entries(project):
    folder = project / "runs" / "dashboard"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_small_comparison_shows_the_table_and_the_claims_audit(page, project, tmp_path):
    browser.choose(page, "Baseline (status quo)", "russia-2022")
    browser.choose(page, "Proposal", "asylum-coalition-exits-closed")
    browser.choose(page, "Proposal", "asylum-coalition")
    expect(page.get_by_role("heading", name="Proposal: asylum-coalition", exact=True)).to_be_visible()
    browser.choose_many(page, "Also compare", ["asylum-coalition-exits-closed"])
    browser.set_number(page, "Men per agent (scale)", 8000)
    browser.set_number(page, "Seeds per scenario", 2)
    browser.set_number(page, "Days", 60)
    # the size line follows the inputs (Streamlit reruns the page after each; expect waits for it)
    expect(page.get_by_text(re.compile(r"5,000 agents per run × 60 days × 6 runs \(2 seeds × 3 scenarios\)"))
           ).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile(f"limit {LIMIT:,}"))).to_be_visible()

    browser.run_comparison(page)

    # words first: the report's plain-language summary, one paragraph per scenario against the baseline
    summary = page.locator(".st-key-plain-summary")
    text = summary.inner_text()
    assert text.index("Against russia-2022, asylum-coalition adds") < text.index(
        "Against russia-2022, asylum-coalition-exits-closed")
    assert "departures" in text and "Supported:" in text
    headline = page.locator(".st-key-headline table")
    assert "departed (crossed out)" in headline.inner_text()
    assert "Δ asylum-coalition" in headline.inner_text() and "Δ asylum-coalition-exits-closed" in headline.inner_text()
    claims = page.locator(".st-key-claims table")
    rows = claims.locator("tbody tr")
    assert rows.count() >= 3
    verdicts = [rows.nth(k).locator("td").last.inner_text() for k in range(rows.count())]
    assert all(re.search(r"supported|contradicted|undetermined", v) for v in verdicts), verdicts
    c1 = claims.locator("tbody tr", has_text="C1").first.locator("td").last.inner_text()
    assert c1 == "supported"  # the offer raises departures on every seed
    # interactive Vega-Lite charts, no pictures: two difference charts, the daily bands, the map
    assert page.locator("[data-testid='stImage']").count() == 0
    # Streamlit loads its chart component lazily, so the charts may mount after the table: wait for them
    expect(page.locator(".st-key-differences [data-testid='stVegaLiteChart']")).to_have_count(2, timeout=60_000)
    daily = page.locator(".st-key-daily [data-testid='stVegaLiteChart']")
    daily.nth(7).wait_for(timeout=60_000)  # at least 8 daily charts
    daily.first.scroll_into_view_if_needed()
    page.locator(".st-key-daily svg, .st-key-daily canvas").first.wait_for(timeout=60_000)
    page.locator(".st-key-map [data-testid='stVegaLiteChart']").wait_for(timeout=60_000)
    rendered = page.locator(".st-key-daily").inner_text() + page.locator(".st-key-differences").inner_text()
    # titles, units and legends are SVG text in the charts
    for words in ("departed (cumulative)", "\npeople\n", "people/day", "morale 0–1", "asylum-coalition-exits-closed",
                  "observed in 2022 (calibration targets)", "entering Georgia per day", "better (5–95 % band",
                  "% of the status quo's median", "departed (crossed out)"):
        assert words in rendered, words
    expect(page.get_by_text(re.compile(r"^6 of 6 runs"))).to_be_visible()  # the progress bar reached the end

    saved = _entries(project)
    assert len(saved) == 1 and not saved[0].startswith(".")
    assert (project / "runs" / "dashboard" / saved[0] / "comparison.json").is_file()
    expect(page.get_by_text(f"exitwave report runs/dashboard/{saved[0]}")).to_be_visible()

    log = (project / "dashboard.log").read_text()
    assert re.search(r"exitwave dashboard: http://127\.0\.0\.1:\d+", log), log  # the URL is printed

    shot = tmp_path / "dashboard.png"
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000


def test_an_oversized_request_is_refused_before_run_and_nothing_runs(page, project):
    before = _entries(project)
    browser.choose(page, "Proposal", "asylum-coalition")
    browser.set_number(page, "Men per agent (scale)", 100)
    browser.set_number(page, "Seeds per scenario", 10)
    # the refusal is on the page before anything is clicked, and Run is disabled
    alert = page.locator("[data-testid='stAlert']", has_text=re.compile(r"too large.*20 runs"))
    alert.wait_for(timeout=60_000)
    text = alert.inner_text()
    for part in ("agents", "109 days", f"{LIMIT:,} agent-days", "men per agent", "seeds",
                 "--max-agent-days"):
        assert part in text, part
    expect(page.get_by_role("button", name="Run comparison")).to_be_disabled()
    # few agents for a century on many seeds: few agent-days, but hours of fixed costs
    browser.set_number(page, "Men per agent (scale)", 40_000_000)
    browser.set_number(page, "Seeds per scenario", 100)
    browser.set_number(page, "Days", 36_500)
    slow = page.locator("[data-testid='stAlert']", has_text=re.compile(r"would take about.*200 runs"))
    slow.wait_for(timeout=60_000)
    assert "36,500 days" in slow.inner_text()
    expect(page.get_by_role("button", name="Run comparison")).to_be_disabled()
    page.wait_for_timeout(2000)
    assert page.locator("[data-testid='stProgress']").count() == 0
    assert page.locator(".st-key-claims").count() == 0
    assert _entries(project) == before  # no folder, not even a staging one


def test_an_invalid_edit_shows_the_loaders_message_and_cannot_run(page, project):
    before = _entries(project)
    browser.choose(page, "Proposal", "asylum-coalition")
    page.get_by_text("Any field by dotted path").click()
    box = page.get_by_label(re.compile(r"^One 'path = value' per line"))
    box.fill("behaviour.patience_dayz = 6")
    box.press("Control+Enter")
    alert = page.locator("[data-testid='stAlert']", has_text="not valid")
    expect(alert).to_be_visible(timeout=30_000)
    assert "behaviour.patience_dayz" in alert.inner_text() and "patience_days" in alert.inner_text()
    expect(page.get_by_role("button", name="Run comparison")).to_be_disabled()
    box.fill("behaviour.patience_days = 6")
    box.press("Control+Enter")
    expect(page.get_by_text("The edited proposal 'asylum-coalition-edited' is valid.")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Run comparison")).to_be_enabled()
    assert _entries(project) == before


def test_scenario_text_is_shown_as_plain_text_and_fetches_nothing(chromium, server):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(server)
    page.get_by_role("button", name="Run comparison").wait_for(timeout=120_000)
    browser.choose(page, "Proposal", "scenarios/lure.yaml")
    expect(page.get_by_role("heading", name="Proposal: lure", exact=True)).to_be_visible(timeout=30_000)
    caption = page.locator("[data-testid='stCaptionContainer']", has_text="pixel")
    expect(caption).to_be_visible()
    assert caption.inner_text().replace("\u2060", "") == LURE  # the Markdown as written
    assert page.locator("img[src*='leak.invalid'], a[href*='leak.invalid']").count() == 0
    assert not [url for url in requested if "leak.invalid" in url]
    context.close()


def test_a_long_path_is_refused_in_the_page(page):
    box = page.get_by_label(re.compile(r"^Add a scenario file"))
    box.fill("scenarios/" + "a" * 300 + ".yaml")
    box.press("Enter")
    alert = page.locator("[data-testid='stAlert']", has_text="each name at most 255")
    expect(alert).to_be_visible(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0


def test_a_rebound_host_name_is_refused(chromium, server):
    """DNS rebinding: a name that resolves to 127.0.0.1 (here by Chromium's resolver rules) reaches
    the server with that name as Host; the server refuses it before Streamlit serves anything."""
    port = server.rsplit(":", 1)[1]
    rebound = chromium.browser_type.launch(
        executable_path=browser.chromium_path(), headless=True,
        args=[*browser.CHROMIUM_ARGS, "--host-resolver-rules=MAP rebind.test 127.0.0.1"])
    try:
        page = rebound.new_page()
        answer = page.goto(f"http://rebind.test:{port}")
        assert answer is not None and answer.status == 403
        expect(page.get_by_text("answers only to localhost")).to_be_visible()
        assert page.get_by_role("button", name="Run comparison").count() == 0
    finally:
        rebound.close()
