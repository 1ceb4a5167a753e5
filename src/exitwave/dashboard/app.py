"""The Streamlit app behind ``exitwave dashboard`` (run it through that command; its server,
:mod:`exitwave.dashboard.server`, refuses foreign ``Host`` headers before this script runs).

Pick a baseline, a proposal and any further scenarios, edit the proposal (destination policies,
transit screening, the exit closure, any field by dotted path), choose the size of the
comparison, run it, and read the plain-language summary, the headline table with paired
differences, the claims audit and the interactive charts (differences, daily bands with the 2022
observations, the flow map). Each comparison is saved under ``runs/dashboard/<timestamp>`` for
``exitwave report``.

Script arguments (after ``--`` on the ``streamlit run`` line): ``--project DIR`` (the project
folder; default the working directory) and ``--max-agent-days N`` (the size limit).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, cast

import streamlit as st

from exitwave.dashboard.guard import host_allowed, plain
from exitwave.dashboard.limits import DEFAULT_MAX_AGENT_DAYS, Request, refusal
from exitwave.dashboard.paths import (
    PathRefused,
    ProjectPaths,
    check_comparison_reads,
    check_scenario_reads,
    safe_path,
    scenario_choices,
)
from exitwave.dashboard.proposal import (
    AsylumChoice,
    ClosureChoice,
    DestinationRule,
    Edits,
    EntryChoice,
    build_overrides,
    men_of_draft_age,
    parse_extra,
    prepare,
    transit_policies,
)
from exitwave.errors import InputError, RunError

_UNCHANGED = "(unchanged)"
# Scenarios in one comparison at most (each keeps its own colour in the charts); the size limit
# (exitwave.dashboard.limits.refusal) still bounds the work of every request. (A comment, not a
# docstring: Streamlit would draw a bare string of this script on the page.)
MAX_SCENARIOS = 6
_CLOSURE = {"keep": "as in the scenario", "close": "exits closed from a date", "none": "no exit closure"}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="exitwave dashboard app")
    parser.add_argument("--project", default=".")
    parser.add_argument("--max-agent-days", type=int, default=DEFAULT_MAX_AGENT_DAYS)
    parser.add_argument("--listen", default="127.0.0.1")  # the address served: an allowed Host
    args, _ = parser.parse_known_args(sys.argv[1:])
    return args


@st.cache_resource(show_spinner=False, max_entries=32)
def _prepared(source: str, overrides_json: str) -> Any:
    """A Simulation for ``source`` with overrides (cached: reruns happen on every click)."""
    return prepare(source, json.loads(overrides_json) or None)


def _choices(paths: ProjectPaths) -> dict[str, str]:
    choices = scenario_choices(paths)
    choices.update(st.session_state.get("added_scenarios", {}))
    return choices


def _add_scenario_file(paths: ProjectPaths) -> None:
    text = st.session_state.get("added_path", "")
    if not text.strip():
        return
    try:
        real = safe_path(text, paths.readable_scenario_roots, paths.root)
        if not real.is_file():
            raise PathRefused(text, "", "file not found")
        check_scenario_reads(str(real), paths)
    except InputError as err:
        st.session_state["path_error"] = str(err)
        return
    except (OSError, ValueError) as err:  # a name too long for the file system, say
        st.session_state["path_error"] = f"{text[:200]}: cannot use this path ({err.__class__.__name__})"
        return
    st.session_state.pop("path_error", None)
    label = real.relative_to(paths.root).as_posix()
    st.session_state.setdefault("added_scenarios", {})[label] = str(real)
    st.session_state["proposal"] = label


def _saved_comparisons(paths: ProjectPaths) -> list[str]:
    folder = paths.dashboard_runs
    if not folder.is_dir():
        return []
    return sorted((p.name for p in folder.iterdir()
                   if not p.name.startswith(".") and (p / "comparison.json").is_file()), reverse=True)


def _show_result_of(folder: Path, paths: ProjectPaths) -> None:
    """Load a saved comparison into the session (tables and figures rendered once)."""
    from exitwave.dashboard.runner import (
        charts,
        claims_table,
        headline_notes,
        headline_table,
        plain_summaries,
    )
    from exitwave.experiments.comparison import Comparison
    from exitwave.report.claims import audit, follow_edit

    comparison = Comparison.load(folder)
    check_comparison_reads(comparison, folder, paths)  # its runs (and their worlds) stay inside
    st.session_state["result"] = {
        "folder": str(folder), "names": comparison.names, "seeds": len(comparison.seeds),
        "headline": headline_table(comparison), "notes": headline_notes(folder, comparison),
        "claims": claims_table(follow_edit(comparison, audit(comparison))),
        "summaries": plain_summaries(comparison), "charts": charts(comparison), "report": None,
    }


def _sidebar(paths: ProjectPaths, choices: dict[str, str]) -> tuple[str, str, list[str]]:
    labels = list(choices)
    st.header("Scenarios")
    baseline = st.selectbox("Baseline (status quo)", labels, key="baseline",
                            index=labels.index("russia-2022") if "russia-2022" in labels else 0)
    proposal = st.selectbox("Proposal", labels, key="proposal",
                            index=labels.index("asylum-coalition") if "asylum-coalition" in labels else 0)
    # every label stays an option (a choice never disappears under the user); the baseline and
    # the proposal are dropped from it below
    extra = st.multiselect(f"Also compare (up to {MAX_SCENARIOS - 2} more, as they are)", labels, key="extra",
                           max_selections=MAX_SCENARIOS - 2)
    st.text_input("Add a scenario file (a path inside scenarios/, examples/scenarios/ or runs/)",
                  key="added_path", on_change=_add_scenario_file, args=(paths,))
    if "path_error" in st.session_state:
        st.error(plain(st.session_state["path_error"]))
    saved = _saved_comparisons(paths)
    if saved:
        st.header("Saved comparisons")
        chosen = st.selectbox("runs/dashboard/", saved, key="saved")
        if st.button("Open", key="open-saved"):
            try:
                folder = safe_path(chosen, (paths.dashboard_runs,), paths.dashboard_runs, suffixes=None)
                _show_result_of(folder, paths)
            except (InputError, OSError, ValueError) as err:
                st.error(plain(f"Cannot open {chosen}: {err}"))
    return baseline, proposal, [label for label in dict.fromkeys(extra)
                                if label in choices and label not in (baseline, proposal)]


def _destination_rules(key: str, sim: Any) -> list[DestinationRule]:
    world = sim.world
    options = ["EU", "NATO", "SCHENGEN"] + [f"{iso} — {name}" for iso, name in
                                           zip(world.country_ids, world.country_names, strict=True)]
    store = st.session_state.setdefault("rules", {}).setdefault(key, [])
    cols = st.columns([3, 1, 1, 1, 1])
    countries = cols[0].multiselect("Destinations", options, key=f"rule-countries-{key}")
    entry = cols[1].selectbox("Entry", [_UNCHANGED, "open", "visa", "closed"], key=f"rule-entry-{key}")
    asylum = cols[2].selectbox("Asylum", [_UNCHANGED, "grant", "case_by_case", "refuse"], key=f"rule-asylum-{key}")
    rate = cols[3].number_input("Recognition rate (case by case, 0–1)", 0.0, 1.0, 0.05, 0.01,
                                key=f"rule-rate-{key}")
    start = cols[4].date_input("From", sim.scenario.time.start, key=f"rule-from-{key}")
    left, right = st.columns(2)
    if left.button("Add rule", key=f"rule-add-{key}", disabled=not countries):
        store.append(DestinationRule(
            countries=tuple(c.split(" — ")[0] for c in countries),
            entry=None if entry == _UNCHANGED else cast(EntryChoice, entry),
            asylum=None if asylum == _UNCHANGED else cast(AsylumChoice, asylum),
            recognition_rate=float(rate) if asylum == "case_by_case" else None,
            start=start if isinstance(start, dt.date) else None))
    if store:
        st.table([{"destinations": ", ".join(r.countries), "entry": r.entry or "", "asylum": r.asylum or "",
                   "recognition rate": "" if r.recognition_rate is None else f"{r.recognition_rate:g}",
                   "from": str(r.start or "")} for r in store])
        if right.button("Remove all rules", key=f"rule-clear-{key}"):
            store.clear()
            st.rerun()
    return list(store)


def _edits(key: str, sim: Any) -> Edits:
    sc = sim.scenario
    edits = Edits()
    with st.expander("Destination policies (entry and asylum, per country or group)", expanded=False):
        st.caption("Each rule is appended to the proposal's policies; a later policy wins where two overlap.")
        edits.rules = _destination_rules(key, sim)
    transit = transit_policies(sc)
    with st.expander("Transit screening capacity", expanded=False):
        if not transit:
            st.caption("This scenario has no transit points with screening.")
        for i, country, capacity in transit:
            edits.screening[i] = float(st.number_input(
                f"Screening at {plain(country)} (people per day)", 0.0, 1e7, capacity, 100.0, key=f"screen-{key}-{i}"))
    closure = sc.countermeasures.exit_closure
    with st.expander("Exit closure by the sending state", expanded=False):
        now = f"closed from {closure.from_}" if closure is not None else "no exit closure"
        choice = st.radio(f"Exits (the scenario: {now})", list(_CLOSURE), format_func=_CLOSURE.__getitem__,
                          key=f"closure-{key}", horizontal=True)
        default = closure.from_ if closure is not None else sc.time.start + dt.timedelta(days=21)
        day = st.date_input("Closed from", default, key=f"closure-from-{key}")
        edits.exit_closure = cast(ClosureChoice, choice)
        edits.closure_from = day if isinstance(day, dt.date) else None
    with st.expander("Any field by dotted path", expanded=False):
        text = st.text_area("One 'path = value' per line (values in YAML), e.g. behaviour.patience_days = 6",
                            key=f"extra-{key}")
        try:
            edits.extra = parse_extra(text)
        except InputError as err:
            st.error(plain(err))
    return edits


def _verdict_colour(verdict: str) -> str:
    """CSS for a verdict cell: green supported, red contradicted, amber otherwise."""
    colour = "#17663a" if verdict == "supported" else "#a11d2b" if verdict == "contradicted" else "#8a6100"
    return f"color: {colour}; font-weight: 600"


def _render_result(paths: ProjectPaths) -> None:
    from exitwave.dashboard.runner import write_report

    result = st.session_state.get("result")
    if not result:
        return
    folder = Path(result["folder"])
    shown = folder.relative_to(paths.root) if folder.is_relative_to(paths.root) else folder
    st.header("Comparison")
    # words first: the report's plain-language summary of each scenario against the baseline
    with st.container(key="plain-summary"):
        for _, paragraph in result.get("summaries", []):
            st.markdown(f"**In plain words.** {plain(paragraph)}")
        if result.get("summaries"):
            st.caption("The report's opening words: judged over the seeds with the audit's thresholds of practical "
                       "importance, at the scenarios' own parameter values. `exitwave audit` adds their uncertainty.")
    st.markdown(f"**{plain(' vs '.join(result['names']))}**, {result['seeds']} seeds each on common random "
                f"numbers — saved in {plain(shown)}")
    st.code(f"exitwave report {shown}", language="bash")
    st.subheader("Headline outputs")
    st.caption("Median [5–95 %] over seeds; Δ is the paired difference from the baseline on the same "
               "seeds, * where its band excludes zero.")
    with st.container(key="headline"):
        st.table(result["headline"])
    for note in result.get("notes", []):  # the war-end rule and its source, under the war-end row
        st.caption(plain(note))
    charts = result.get("charts", [])
    with st.container(key="differences"):
        for chart in (c for c in charts if c.kind == "difference"):
            st.altair_chart(chart.chart, width="stretch", alt=f"Paired differences: {chart.caption}")
    st.subheader("Claims audit")
    st.caption("Supported: the band of the paired difference lies on the claimed side of zero; "
               "contradicted: on the other side; undetermined: it straddles zero at this ensemble size.")
    with st.container(key="claims"):
        if result["claims"].empty:
            st.caption("No claim concerns this edit (or the two scenarios are the same): nothing to audit.")
        else:
            st.table(result["claims"].style.map(_verdict_colour, subset=["verdict"]))
    daily = [c for c in charts if c.kind == "daily"]
    if daily:
        st.subheader("Daily series")
        st.caption("Median and 5–95 % band over seeds, one colour per scenario, the baseline dashed; black points: "
                   "the 2022 observations of the bundled calibration. Hover for values.")
        with st.container(key="daily"):
            for start in range(0, len(daily), 2):
                for column, chart in zip(st.columns(2), daily[start:start + 2], strict=False):
                    column.altair_chart(chart.chart, width="stretch", alt=f"Daily series: {chart.caption}")
    for chart in (c for c in charts if c.kind == "map"):
        st.subheader("Flows through the crossings")
        st.caption("People crossed at each crossing over the run (median over seeds), one map per scenario on one "
                   "scale; Natural Earth outlines (bundled), equal-area projection centred on 52°N 60°E.")
        with st.container(key="map"):
            st.altair_chart(chart.chart, width="content", alt=chart.caption)
    if st.button("Write the HTML report into this folder", key="write-report"):
        result["report"] = str(write_report(folder))
    if result.get("report"):
        st.success(plain(f"Report written: {result['report']}"))


def _run(paths: ProjectPaths, scenarios: list[Any], request: Request) -> None:
    """Run the comparison of ``scenarios`` (baseline first; sources, or the edited proposal)."""
    from exitwave.dashboard.runner import run_comparison

    total, done = request.runs, [0]
    bar = st.progress(0.0, text=f"0 of {total} runs")

    def advance(name: str, seed: int) -> None:
        done[0] += 1
        bar.progress(min(1.0, done[0] / total), text=f"{done[0]} of {total} runs (last: {name}, seed {seed})")

    try:
        _, folder = run_comparison(scenarios, seeds=request.seeds, scale=request.scale,
                                   days=request.days, parent=paths.dashboard_runs, progress=advance)
    except InputError as err:
        st.error(plain(f"The comparison could not start: {err}"))
        return
    except (RunError, RuntimeError, MemoryError) as err:
        st.error(plain(f"The comparison failed: {err}"))
        return
    _show_result_of(folder, paths)


def main() -> None:
    """Draw the page (Streamlit reruns this on every interaction)."""
    args = _arguments()
    paths = ProjectPaths.at(args.project)
    st.set_page_config(page_title="exitwave dashboard", layout="wide")
    host = st.context.headers.get("Host")
    if not host_allowed(host, args.listen):  # DNS rebinding: a foreign name pointing here
        st.error(plain(f"Refused: this dashboard answers only to localhost and 127.0.0.1, not to the "
                       f"host name {str(host)[:100]!r}."))
        st.stop()
    st.title("exitwave — policy dashboard")
    st.caption("Compare a proposal (and any further scenarios) with a baseline on common random numbers, with "
               "intervals and a claims audit. Every comparison is saved under runs/dashboard/ for `exitwave report`.")
    choices = _choices(paths)
    with st.sidebar:
        baseline_label, proposal_label, extra_labels = _sidebar(paths, choices)
        st.header("Size")
        scale = float(st.number_input("Men per agent (scale)", min_value=1.0, value=2000.0, step=100.0, key="scale"))
        seeds = int(st.number_input("Seeds per scenario", min_value=2, max_value=1000, value=4, step=1, key="seeds"))
    baseline_source, proposal_source = choices[baseline_label], choices[proposal_label]
    extra_sources = [choices[label] for label in extra_labels]
    try:
        for source in (baseline_source, proposal_source, *extra_sources):
            check_scenario_reads(source, paths)
        base_sim = _prepared(baseline_source, "{}")
        proposal_sim = _prepared(proposal_source, "{}")
        extra_sims = [_prepared(source, "{}") for source in extra_sources]
    except InputError as err:
        st.error(plain(f"Cannot load the scenario: {err}"))
        return
    with st.sidebar:
        days = int(st.number_input("Days", min_value=1, max_value=36_500, value=base_sim.scenario.time.n_days,
                                   step=1, key="days"))
    for sim in (proposal_sim, *extra_sims):
        if sim.world.name != base_sim.world.name:
            st.warning(plain(f"The baseline's world ({base_sim.world.name}) differs from that of {sim.scenario.name} "
                             f"({sim.world.name}): the paired differences compare different countries."))

    # names and descriptions come from scenario files: plain text, never Markdown
    st.header(f"Proposal: {plain(proposal_sim.scenario.name)}")
    if proposal_sim.scenario.description:
        st.caption(plain(proposal_sim.scenario.description))
    valid = True
    proposal_input: Any = proposal_source
    try:
        overrides = build_overrides(proposal_sim.scenario, _edits(proposal_label, proposal_sim))
    except InputError as err:
        st.error(plain(f"The edits are not valid: {err}"))
        overrides, valid = {}, False
    if overrides:
        with st.expander(f"Overrides sent to the scenario loader ({len(overrides)})"):
            st.json(overrides)
        try:
            proposal_input = _prepared(proposal_source, json.dumps(overrides, default=str)).scenario
            st.success(plain(f"The edited proposal '{proposal_input.name}' is valid."))
        except InputError as err:
            st.error(plain(f"The edited proposal is not valid: {err}"))
            valid = False

    sims = [base_sim, proposal_sim, *extra_sims]
    request = Request(men=max(men_of_draft_age(sim) for sim in sims), scale=scale, days=days, seeds=seeds,
                      scenarios=len(sims))
    if extra_sims:
        st.markdown("**Also compared, as they are:** " + ", ".join(plain(sim.scenario.name) for sim in extra_sims))
    st.markdown(f"**Size:** {request.agents:,} agents per run × {days:,} days × {request.runs} runs "
                f"({seeds} seeds × {request.scenarios} scenarios) "
                f"= {request.work:,} agent-days (limit {args.max_agent_days:,}), about "
                f"{request.seconds:,.0f} s here.")
    # the refusal is shown before Run, and Run is disabled while it stands
    message = refusal(request, args.max_agent_days)
    if message is not None:
        st.error(plain(message), icon=None)
    if st.button("Run comparison", type="primary", key="run", disabled=not valid or message is not None):
        _run(paths, [baseline_source, proposal_input, *extra_sources], request)
    _render_result(paths)


main()
