"""The ``exitwave`` command line (Typer + Rich).

Exit codes: 0 ok, 1 the run failed, 2 bad input (the message names file, field and expectation).
Progress goes to stderr, so ``--json`` output on stdout stays machine-readable.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from exitwave.compat.flee.cli import app as flee_app
from exitwave.console import err, out
from exitwave.console import fail_input as _fail_input
from exitwave.errors import InputError, RunError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Simulate waves of exit from a war effort and the policies that shape them.")

# Options shared by the experiment commands.
Workers = Annotated[int, typer.Option(help="parallel worker processes", min=1)]
UseDask = Annotated[bool, typer.Option("--dask", help="run on a Dask LocalCluster of --workers")]
Scheduler = Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786")]
SEED_MAX = 2**63 - 1  # the scenario's seed field: 0 ≤ seed < 2**63
Seed = Annotated[int, typer.Option(help="first seed", min=0, max=SEED_MAX)]
Scale = Annotated[float | None, typer.Option(help="men per agent")]
Days = Annotated[int | None, typer.Option(help="number of days", min=1, max=36_500)]
Format = Annotated[str, typer.Option("--format", help="table (fitted to the terminal), csv, json or markdown "
                                                      "(on stdout; csv and json give the numbers)")]


def _check_format(fmt: str) -> str:
    from exitwave.tables import check_format

    try:
        return check_format(fmt)
    except InputError as error:
        _fail_input(error)


class WarEndChoice(StrEnum):
    """``--war-end``: each scenario's own war-end rule, or none (the war outlasts the run)."""

    scenario = "scenario"
    off = "off"


WarEnd = Annotated[WarEndChoice, typer.Option(
    "--war-end", case_sensitive=False,
    help="scenario: each scenario's own war-end rule (front.war_end); off: the war never ends within the "
         "run, so the front is never frozen (front.war_end.rule: none in every scenario with a front)")]


def people(value: object, signed: bool = False) -> str:
    """Compact number (950, 12.3k, 1.25M): :func:`exitwave.outputs.format_value` for people."""
    from exitwave.outputs import format_value

    return format_value(value, signed)


def _progress():  # noqa: ANN202 - rich Progress
    """A bar in a terminal, plain lines in a log file (:mod:`exitwave.progress`)."""
    from exitwave.progress import make_progress

    return make_progress(err)


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="bundled scenario name or path to a YAML file")],
    seed: Annotated[int | None, typer.Option(help="random seed (default: the scenario's)", min=0, max=SEED_MAX)] = None,
    scale: Annotated[float | None, typer.Option(help="men per agent (1 = full scale)")] = None,
    days: Annotated[int | None, typer.Option(help="number of days to simulate", min=1, max=36_500)] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="parent folder of the run directory")] = Path("runs"),
    as_json: Annotated[bool, typer.Option("--json", help="print summary.json to stdout")] = False,
    war_end: WarEnd = WarEndChoice.scenario,
    fmt: Format = "table",
) -> None:
    """Run one scenario and write its run directory."""
    from exitwave.scenario.load import load_scenario, resolve_scenario_path

    _check_format(fmt)
    try:
        source = resolve_scenario_path(scenario)
        loaded = load_scenario(scenario)
        # the engine after the file is read: a bad file fails fast, without loading it
        from exitwave.engine import Simulation
        from exitwave.modules.termination import war_end_overrides

        overrides = war_end_overrides(loaded, war_end.value)
        if overrides:
            loaded = load_scenario(scenario, overrides=overrides)
        sim = Simulation(loaded, seed=seed, scale=scale, days=days, source=source)
        from exitwave.results import check_folder

        # a file or a read-only folder is refused before the run; the folder itself is made only
        # when the run is written, so a run that fails leaves nothing behind
        check_folder(Path(out_dir))
    except InputError as error:
        _fail_input(error)
    try:
        with _progress() as progress:
            task = progress.add_task(f"{sim.scenario.name}", total=sim.scenario.time.n_days)
            results = sim.run(progress=lambda done, total: progress.update(task, completed=done))
        from exitwave.experiments.executors import remove_stale_temporaries

        remove_stale_temporaries(Path(out_dir))  # left by a run killed mid-write
        run_dir = results.save(out_dir)
    except InputError as error:
        _fail_input(error)
    except (RunError, MemoryError) as error:
        err.print(f"[bold red]run failed:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from error
    except OSError as error:
        # a full disk while numba saves a freshly compiled kernel to its cache (the run's own
        # folder is RunError): the run stops, with the file and the reason, not a traceback
        where = f"could not write {error.filename}" if error.filename else "could not write a file"
        err.print(f"[bold red]run failed:[/] {escape(where)} ({escape(error.strerror or str(error))}); "
                  "nothing was written in --out", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from error
    if as_json:
        sys.stdout.write(json.dumps(results.summary, indent=2) + "\n")
        err.print(f"run directory: {run_dir}")
        return
    _print_summary(results.summary, sim, fmt)
    (err if fmt in ("csv", "json") else out).print(f"run directory: [bold]{run_dir}[/]")


def _print_summary(summary: dict, sim, fmt: str = "table") -> None:  # noqa: ANN001 - Simulation
    """The run's main numbers with labels and units from the output registry (places by name)."""
    import pandas as pd

    from exitwave.outputs import format_value, registry, table_notes
    from exitwave.tables import emit

    reg = registry()
    world = sim.world
    names = {**dict(zip(world.country_ids, world.country_names, strict=True)),
             **dict(zip(world.crossing_ids, world.crossing_names, strict=True))}
    rows: list[tuple[str, str, str, float]] = []
    for key in ("population", "departed", "mobilized", "hiding", "returned", "detained_at_border",
                "protected", "force_strength", "killed", "deserted", "surrendered", "mean_morale", "war_end_day"):
        if key in summary and summary[key] is not None:
            rows.append((key, reg.label(key), reg.get(key).unit, summary[key]))
    top = sorted(summary["by_destination"].items(), key=lambda kv: -kv[1])[:6]
    for iso, men in top:
        rows.append((f"by_destination.{iso}", reg.label(f"by_destination.{iso}", names), "people", men))
    for cid, men in sorted(summary["peak_queue"].items(), key=lambda kv: -kv[1])[:3]:
        rows.append((f"peak_queue.{cid}", reg.label(f"peak_queue.{cid}", names), "people", men))
    text = pd.DataFrame({"value": [format_value(v, unit=u) for _, _, u, v in rows]
                         + ["yes" if summary["conservation_ok"] else "NO — see conservation_problems"]},
                        index=[label for _, label, _, _ in rows] + [reg.label("conservation_ok")])
    numbers = pd.DataFrame([{"output": k, "label": label, "unit": u, "value": v} for k, label, u, v in rows]
                           + [{"output": "conservation_ok", "label": reg.label("conservation_ok"), "unit": "flag",
                               "value": bool(summary["conservation_ok"])}])
    emit(out, fmt, text, numbers, title=f"{summary['scenario']} — seed {summary['seed']}, {summary['days']} days "
                                         f"from {summary['start']}, 1 agent = {summary['scale']:.1f} men",
         note="\n".join(table_notes(["war_end_day"], {summary["scenario"]: [summary]}, reg)) or None)


@app.command()
def validate(scenario: Annotated[str, typer.Argument(help="bundled scenario name or YAML path")]) -> None:
    """Check a scenario (and its world) without running it."""
    from exitwave.scenario.load import load_scenario, resolve_scenario_path

    try:
        source = resolve_scenario_path(scenario)
        loaded = load_scenario(scenario)
        # the engine after the file is read: a bad file fails fast, without loading it
        from exitwave.engine import Simulation

        sim = Simulation(loaded, source=source)
    except InputError as error:
        _fail_input(error)
    sc = sim.scenario
    out.print("[green]ok[/] " + escape(
        f"{source}: scenario '{sc.name}', {sc.time.n_days} days from {sc.time.start}, "
        f"world '{sim.world.name}' ({sim.world.n_regions} regions, {sim.world.n_crossings} crossings, "
        f"{sim.world.n_countries} countries), {len(sc.policies)} polic{'y' if len(sc.policies) == 1 else 'ies'}"), highlight=False)
    if sc.front is not None:  # the stability condition of the front's contagion (docs/model.md §6)
        from exitwave.modules.force import stability_line

        out.print(escape(stability_line(sc.front)), highlight=False)


@app.command()
def scenarios() -> None:
    """List the bundled scenarios."""
    from exitwave.scenario.load import builtin_scenarios

    table = Table(show_header=True)
    table.add_column("name")
    table.add_column("description")
    for name, description in builtin_scenarios().items():
        table.add_row(name, description)
    out.print(table)


@app.command("compare")
def compare_cmd(
    scenario_names: Annotated[list[str], typer.Argument(metavar="A B [C …]", help="scenarios to compare; the first is the reference")],
    n: Annotated[int, typer.Option("-n", help="seeds per scenario (common random numbers)")] = 8,
    seed: Seed = 1,
    scale: Scale = None,
    days: Days = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="write every run directory here")] = None,
    workers: Workers = 1,
    dask: UseDask = False,
    scheduler: Scheduler = None,
    war_end: WarEnd = WarEndChoice.scenario,
    fmt: Format = "table",
) -> None:
    """Compare scenarios on the same seeds: medians, 5–95 % bands, paired differences."""
    from exitwave.experiments.comparison import compare

    _check_format(fmt)
    if len(scenario_names) < 2:
        err.print("[bold red]error:[/] compare needs at least two scenarios")
        raise typer.Exit(2)
    if n < 2:
        err.print("[bold red]error:[/] -n: expected at least 2 seeds (an interval needs an ensemble)")
        raise typer.Exit(2)
    try:
        with _progress() as progress:
            task = progress.add_task("runs", total=n * len(scenario_names))
            result = compare(scenario_names, n=n, seed=seed, scale=scale, days=days, out_dir=out_dir,
                             workers=workers, dask=dask, scheduler=scheduler, war_end=war_end.value,
                             progress=lambda name, s: progress.advance(task))
    except InputError as error:
        _fail_input(error)
    except RunError as error:
        err.print(f"[bold red]compare failed:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        if out_dir is None:
            raise _interrupted("nothing kept (no --out)", "give --out DIR to make the comparison resumable") from None
        raise _interrupted(f"every finished run is kept in {out_dir}", "run the same command again to resume") from None
    _print_plain_summary(result, fmt)
    _print_headline(result, f"{' vs '.join(result.names)} — {n} seeds each", fmt)
    _print_claims(result, scenario_names, fmt)
    if result.run_dirs:
        (err if fmt in ("csv", "json") else out).print(f"{len(result.run_dirs)} run directories under [bold]{out_dir}[/]")


def _print_plain_summary(result, fmt: str) -> None:  # noqa: ANN001 - Comparison
    """The plain-language summary that opens the report (:func:`exitwave.report.verdicts.plain_summary`):
    on stdout above the table, as Markdown under ``--format markdown``, on stderr under csv and
    json so stdout stays machine-readable."""
    from rich.text import Text

    from exitwave.report.verdicts import plain_summary
    from exitwave.tables import markdown_text

    paragraphs = plain_summary(result)
    if not paragraphs:
        return
    if fmt == "markdown":
        sys.stdout.write("**In plain words.** " + "\n\n".join(markdown_text(p) for p in paragraphs) + "\n\n")
        return
    console = err if fmt in ("csv", "json") else out
    console.print(Text("In plain words. ", style="bold") + Text("\n".join(paragraphs)), highlight=False)
    console.print()


def _print_claims(result, scenario_names: list[str], fmt: str = "table") -> None:  # noqa: ANN001 - Comparison
    """The claims that concern what the second scenario changes, phrased as "B vs A: …"
    (:func:`exitwave.report.claims.follow_edit`), judged against the audit's thresholds of
    practical importance; `exitwave audit` judges them over the parameters. A Markdown table on
    stdout under ``--format markdown``, on stderr under csv and json (stdout stays machine-readable)."""
    import pandas as pd

    from exitwave.experiments.audit import resolved_fields
    from exitwave.outputs import format_value
    from exitwave.report.claims import audit, follow_edit
    from exitwave.tables import to_markdown

    fields = {name: resolved_fields(given) for name, given in zip(result.names, scenario_names, strict=True)}
    verdicts = follow_edit(result, audit(result), fields)
    if not verdicts:
        return
    title = "claims (paired difference over seeds; `exitwave audit` for the parameters too)"
    rows = {f"{v.claim.code} {v.claim.text}": {
        "Δ median [5–95 %]": f"{format_value(v.median, True, v.claim.unit)} [{format_value(v.p5, True, v.claim.unit)} … "
                             f"{format_value(v.p95, True, v.claim.unit)}]",
        "matters beyond": (format_value(v.material, unit=v.claim.unit) if v.material is not None else
                           f"{v.claim.threshold:g} (threshold)" if v.claim.threshold else "–"),
        "verdict": v.verdict} for v in verdicts}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    if fmt == "markdown":
        sys.stdout.write(f"\n**{title}**\n\n{to_markdown(frame, 'claim')}\n")
        return
    table = Table(title=title)
    table.add_column("claim")
    for column in frame.columns:
        table.add_column(column, justify="left" if column == "verdict" else "right")
    for claim, row in frame.iterrows():
        table.add_row(escape(str(claim)), *row)
    (err if fmt in ("csv", "json") else out).print(table)


def _label(output: str) -> str:
    """An output's label in words (the registry's), or its name when it is not a registered output."""
    from exitwave.outputs import registry

    reg = registry()
    return reg.label(output) if output in reg else output


def _print_headline(result, title: str, fmt: str = "table") -> None:  # noqa: ANN001 - Comparison
    """The headline table (:func:`exitwave.outputs.headline_table`, as in the report and the
    dashboard), paged by scenario when it is wider than the terminal."""
    from exitwave.outputs import HEADLINE_NOTE, headline_numbers, headline_table, table_notes
    from exitwave.tables import emit

    groups = [[name, f"Δ {name}"] for name in result.names[1:]]
    notes = [HEADLINE_NOTE, *table_notes([key for key, _ in result.fields], result.summaries)]
    emit(out, fmt, headline_table(result), headline_numbers(result), title=title, note="\n".join(notes),
         groups=groups, anchor=[result.names[0]])


class _RunProgress:
    """A progress bar for many runs: done, failures, time left."""

    def __init__(self, total: int, label: str) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        from exitwave.progress import make_progress

        self.progress = make_progress(err, TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("[red]{task.fields[failed]} failed"), TimeElapsedColumn(),
                                      TextColumn("left"), TimeRemainingColumn())
        self.task = self.progress.add_task(label, total=total, failed=0)
        self.failed = 0

    def __enter__(self) -> _RunProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def outcome(self, outcome) -> None:  # noqa: ANN001 - RunOutcome
        if not outcome.ok:
            self.failed += 1
            err.print(f"[red]run {outcome.spec.label} failed:[/] {escape(outcome.error or '')}")
        self.progress.update(self.task, advance=1, failed=self.failed)

    def count(self, done: int, total: int) -> None:
        self.progress.update(self.task, completed=done)


def _note_posterior(note: str | None) -> None:
    """Say on stderr, before a long job, that its calibrated parameters come from a posterior too
    thin to vary them."""
    if note:
        err.print(f"[yellow]note:[/] {escape(note)}", highlight=False, soft_wrap=True)


def _interrupted(what: str, how: str) -> typer.Exit:
    """Ctrl-C: say what was kept and how to resume; exit code 130 (the shell's for SIGINT)."""
    err.print(f"[yellow]interrupted:[/] {what}; {how}", highlight=False, soft_wrap=True)
    return typer.Exit(130)


def _band(bands: dict, key: str) -> str:
    from exitwave.outputs import band_text, registry

    b = bands.get(key)
    if not b or "median" not in b:
        return "–"
    output = registry().find(key)
    return band_text(b["median"], b["p5"], b["p95"], output.unit if output else "people")


@app.command("ensemble")
def ensemble_cmd(
    scenario: Annotated[str, typer.Argument(help="bundled scenario name or YAML path")],
    n: Annotated[int, typer.Option("-n", help="number of seeds")] = 20,
    seed: Seed = 1,
    scale: Scale = None,
    days: Days = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="ensemble folder (resumable)")] = None,
    workers: Workers = 1,
    dask: UseDask = False,
    scheduler: Scheduler = None,
    war_end: WarEnd = WarEndChoice.scenario,
    fmt: Format = "table",
) -> None:
    """Run one scenario over N seeds: medians and 5–95 % bands; re-run to resume."""
    from exitwave.experiments.ensembles import ensemble

    _check_format(fmt)
    if n < 2:
        err.print("[bold red]error:[/] -n: expected at least 2 seeds (an interval needs an ensemble)")
        raise typer.Exit(2)
    out_dir = out_dir or Path("runs") / f"ensemble-{Path(scenario).stem}"
    try:
        with _RunProgress(n, f"ensemble {scenario}") as bar:
            result = ensemble(scenario, n=n, seed=seed, scale=scale, days=days, out=out_dir,
                              workers=workers, dask=dask, scheduler=scheduler, progress=bar.outcome,
                              war_end=war_end.value)
    except InputError as error:
        _fail_input(error)
    except KeyboardInterrupt:
        raise _interrupted(f"every finished run is kept in {out_dir / 'runs'}",
                           "run the same command again to resume") from None
    bands = result.summary_bands()
    import pandas as pd

    from exitwave.outputs import HEADLINE_KEYS, registry, table_notes
    from exitwave.tables import emit

    reg = registry()
    keys = [key for key in HEADLINE_KEYS if key in bands]
    text = pd.DataFrame({"median [5–95 %]": [_band(bands, key) for key in keys]}, index=[reg.label(k) for k in keys])
    numbers = pd.DataFrame([{"output": key, "label": reg.label(key), "unit": reg.get(key).unit,
                             **{s: bands[key].get(s) for s in ("median", "p5", "p95", "n")}} for key in keys])
    if "war_ended_share" in bands:
        text.loc["war ended within the run"] = f"{bands['war_ended_share']['mean']:.0%}"
    emit(out, fmt, text, numbers, title=f"{scenario}: {len(result.summaries)} of {n} runs, median [5–95 %]",
         note="\n".join(table_notes(["war_end_day"], {scenario: list(result.summaries.values())}, reg)) or None)
    (err if fmt in ("csv", "json") else out).print(
        f"ensemble folder: [bold]{out_dir}[/] (ensemble.parquet, ensemble_summary.json, runs/)")
    if result.failures:
        err.print(f"[bold red]{len(result.failures)} runs failed[/]; the others are complete")
        raise typer.Exit(1)


@app.command("sweep")
def sweep_cmd(
    scenario: Annotated[str, typer.Argument(help="bundled scenario name or YAML path")],
    param: Annotated[list[str], typer.Option("--param", help="PATH=v1,v2,… (repeatable)")],
    n: Annotated[int, typer.Option("-n", help="seeds per grid point", min=1)] = 3,
    seed: Seed = 1,
    scale: Scale = None,
    days: Days = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="sweep folder: run directories, sweep.csv, runs.csv (resumable: re-run the same command)")] = None,
    workers: Workers = 1,
    dask: UseDask = False,
    scheduler: Scheduler = None,
    fmt: Format = "table",
) -> None:
    """A grid over scenario fields by dotted path, each point on the same seeds; with --out, re-run to resume."""
    from exitwave.experiments.sweeps import parse_param, sweep

    _check_format(fmt)
    try:
        params = dict(parse_param(p) for p in param)
        points = 1
        for values in params.values():
            points *= len(values)
        with _RunProgress(points * n, f"sweep {scenario}") as bar:
            result = sweep(scenario, params, n=n, seed=seed, scale=scale, days=days, out=out_dir,
                           workers=workers, dask=dask, scheduler=scheduler, progress=bar.count)
    except InputError as error:
        _fail_input(error)
    except KeyboardInterrupt:
        if out_dir is None:
            raise _interrupted("nothing kept (no --out)", "give --out DIR to make the sweep resumable") from None
        raise _interrupted(f"every finished run is kept in {out_dir / 'runs'}",
                           "run the same command again to resume") from None
    frame = result.to_frame()
    fields = [f for f in ("departed", "mobilized", "protected", "force_strength", "deserted", "surrendered")
              if f"{f}.median" in frame]
    import pandas as pd

    from exitwave.outputs import band_text, registry
    from exitwave.tables import emit

    reg = registry()
    point_labels = [", ".join(f"{name} = {value}" for name, value in point.items()) for point in result.grid]
    text = pd.DataFrame({reg.label(f): [band_text(row[f + ".median"], row[f + ".p5"], row[f + ".p95"],
                                                  reg.get(f).unit) for _, row in frame.iterrows()]
                         for f in fields}, index=point_labels)
    emit(out, fmt, text, frame, index_name="grid point",
         title=f"sweep of {scenario}: {len(result.grid)} points × {n} seeds, median [5–95 %]")
    if out_dir is not None:
        (err if fmt in ("csv", "json") else out).print(f"sweep folder: [bold]{out_dir}[/] (sweep.csv, runs.csv, runs/)")
    if result.failures:
        err.print(f"[bold red]{len(result.failures)} runs failed[/]")
        raise typer.Exit(1)


@app.command("explore")
def explore_cmd(
    scenario: Annotated[str, typer.Argument(help="bundled scenario name or YAML path")],
    n: Annotated[int, typer.Option("-n", help="samples: runs, each with its own draw of levers and parameters", min=2)] = 32,
    seed: Annotated[int, typer.Option(help="seed of the design and of every run", min=0, max=SEED_MAX)] = 1,
    scale: Scale = None,
    days: Days = None,
    lever: Annotated[list[str] | None, typer.Option("--lever", help="a lever to vary (repeatable); default: every lever the scenario can use")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", help="an uncertain registry parameter to vary (repeatable); default: every one the claims audit draws")] = None,
    top: Annotated[int, typer.Option(help="levers and parameters shown per output", min=1)] = 3,
    out_dir: Annotated[Path | None, typer.Option("--out", help="exploration folder (resumable): tradeoff.png/.svg, runs.parquet/.csv, draws.csv, influence.csv, runs/")] = None,
    workers: Workers = 1,
    dask: UseDask = False,
    scheduler: Scheduler = None,
    fmt: Format = "table",
) -> None:
    """Open exploration: sample policy levers and uncertain parameters together, draw the trade-off between departures, army strength and absorption, and rank what moves each; re-run to resume."""
    from exitwave.experiments.audit import posterior_note
    from exitwave.experiments.explore import explore

    _check_format(fmt)
    out_dir = out_dir or Path("runs") / f"explore-{Path(scenario).stem}"
    _note_posterior(posterior_note(scenario))
    try:
        with _RunProgress(n, f"explore {scenario}") as bar:
            result = explore(scenario, n, seed=seed, scale=scale, days=days, levers=lever, parameters=param,
                             out=out_dir, workers=workers, dask=dask, scheduler=scheduler, progress=bar.outcome)
    except InputError as error:
        _fail_input(error)
    except KeyboardInterrupt:
        raise _interrupted(f"every finished run is kept in {out_dir / 'runs'}",
                           "run the same command again to resume") from None
    from exitwave.tables import emit

    ranked = result.influence()
    text = result.influence_table(top)
    runs = len(result.summaries)
    note = (f"Spearman rank correlation with each output over {runs} runs, 95 % interval (Fisher z): the {top} "
            "levers or parameters that move each output most and its strongest lever; + : the output rises with "
            f"the lever or parameter. {len(result.levers)} lever{'' if len(result.levers) == 1 else 's'} and "
            f"{len(result.parameters)} uncertain parameter{'' if len(result.parameters) == 1 else 's'} vary "
            "together, so a lever's correlation is its effect across the uncertainty; "
            "with many factors and few runs the largest correlations are partly chance (the intervals are not "
            "adjusted for the number of factors: narrow them with --param or raise -n).")
    emit(out, fmt, text, ranked, title=f"explore {scenario}: what moves each output most", note=note,
         index_name="lever or parameter")
    (err if fmt in ("csv", "json") else out).print(
        f"exploration folder: [bold]{out_dir}[/] (tradeoff.png, tradeoff.svg, runs.parquet, runs.csv, draws.csv, "
        "influence.csv, runs/)")
    if result.failures:
        first = next(iter(result.failures.values()))
        err.print(f"[bold red]{len(result.failures)} runs failed[/]: {escape(first)}")
        raise typer.Exit(1)


@app.command("sensitivity")
def sensitivity_cmd(
    scenario: Annotated[str, typer.Argument(help="bundled scenario name or YAML path")],
    method: Annotated[str, typer.Option(help="sobol or morris")] = "morris",
    n: Annotated[int, typer.Option("-n", help="Morris trajectories or Sobol base samples", min=1)] = 4,
    param: Annotated[list[str] | None, typer.Option("--param", help="a registry parameter (repeatable); default: all continuous behaviour, mobilization and front parameters")] = None,
    versus: Annotated[str | None, typer.Option("--versus", help="baseline scenario: analyse the paired difference SCENARIO − VERSUS (same parameters, same seed)")] = None,
    seed: Annotated[int, typer.Option(help="seed of the design and of every run", min=0, max=SEED_MAX)] = 1,
    scale: Annotated[float, typer.Option(help="men per agent")] = 2000.0,
    days: Days = None,
    top: Annotated[int, typer.Option(help="parameters shown per output")] = 3,
    out_file: Annotated[Path | None, typer.Option("--out", help="write the indices to this CSV (and the design's provenance beside it, as .json)")] = None,
    workers: Workers = 1,
    dask: UseDask = False,
    scheduler: Scheduler = None,
) -> None:
    """Which parameters carry each headline output, or a policy's effect on it with --versus (SALib Morris or Sobol)."""
    import datetime as dt
    import shlex
    import time

    from exitwave.experiments.sensitivities import (
        default_parameters,
        problem_for,
        runs_needed,
        sensitivity,
    )

    if method not in ("sobol", "morris"):
        err.print(f"[bold red]error:[/] --method: expected sobol or morris, got {escape(method)!r}")
        raise typer.Exit(2)
    started = time.perf_counter()
    try:
        if out_file is not None:
            from exitwave.results import check_folder

            check_folder(out_file.parent)  # refused before the runs, not after them (made when written)
        names = list(param) if param else default_parameters()
        problem_for(names)
        total = runs_needed(method, n, len(names), versus)
        label = f"{method} on {scenario}" + (f" − {versus}" if versus else "")
        checkpoint = out_file.with_suffix(".runs.jsonl") if out_file is not None else None
        with _RunProgress(total, f"{label} ({len(names)} parameters)") as bar:
            result = sensitivity(scenario, method, n, names=names, seed=seed, scale=scale, days=days,
                                 versus=versus, workers=workers, dask=dask, scheduler=scheduler,
                                 progress=bar.count, checkpoint=checkpoint)
    except InputError as error:
        _fail_input(error)
    except KeyboardInterrupt:
        if checkpoint is None:
            raise _interrupted("nothing kept (no --out)", "give --out FILE.csv to make the analysis resumable") from None
        raise _interrupted(f"every finished run is kept in {checkpoint}",
                           "run the same command again to resume") from None
    wall = time.perf_counter() - started
    frame = result.to_frame()
    if out_file is not None:
        result.save(out_file, {"scenario": scenario, "versus": versus, "method": method, "n": n, "runs": total,
                               "parameters": names, "seed": seed, "scale": scale, "days": days,
                               "failures": result.failures, "wall_s": round(wall, 1),
                               "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                               "command": "exitwave " + " ".join(shlex.quote(a) for a in sys.argv[1:])})
    from exitwave.report.html import SOBOL_MAX_WIDTH, sobol_resolved

    key, conf = ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")
    what = f"{scenario} − {versus} (paired difference)" if versus else scenario
    table = Table(title=f"{method} sensitivity of {what}: {total} runs, {len(names)} parameters, "
                        f"{wall:.0f} s ({'total index ± 95 % CI' if method == 'sobol' else 'μ* ± 95 % CI'})")
    table.add_column("output")
    for k in range(top):
        table.add_column(f"#{k + 1}")
    for output in result.indices:
        rows = frame.loc[output].head(top)
        cells = [f"{name} {people(r[key])} ±{people(r[conf])}"
                 + (" (unresolved)" if method == "sobol" and not sobol_resolved(r[key], r[conf]) else "")
                 for name, r in rows.iterrows()]
        table.add_row(_label(output), *cells)
    out.print(table)
    if method == "sobol":
        out.print(f"(unresolved): total index outside [0, 1] or 95 % interval wider than {SOBOL_MAX_WIDTH:g} — "
                  f"not resolved at N = {n} samples; not a carrier")
    if result.failures:
        err.print(f"[bold red]{result.failures} runs failed[/]")
        raise typer.Exit(1)


@app.command("audit")
def audit_cmd(
    proposal: Annotated[str, typer.Argument(help="the proposal: bundled scenario name or YAML path")],
    baseline: Annotated[str, typer.Option("--baseline", help="the status quo it is audited against")] = "russia-2022",
    draws: Annotated[int, typer.Option("--draws", help="parameter draws (posterior + Latin hypercube over the registry ranges)", min=2)] = 16,
    seeds: Annotated[int, typer.Option("--seeds", help="seeds per draw (common random numbers across variants)", min=1)] = 2,
    seed: Seed = 1,
    scale: Scale = None,
    days: Days = None,
    ablations: Annotated[bool, typer.Option(help="also run each named mechanism switched off")] = True,
    levers: Annotated[bool, typer.Option(help="also run each lever of the proposal alone")] = True,
    out_dir: Annotated[Path | None, typer.Option("--out", help="audit folder (resumable; the report reads it)")] = None,
    workers: Workers = 1,
    dask: UseDask = False,
    scheduler: Scheduler = None,
) -> None:
    """Audit the claims: verdicts over parameter draws and seeds, with materiality, ablations, levers and failure regions."""
    from exitwave.experiments.audit import plan_audit, posterior_note, run_audit

    out_dir = out_dir or Path("runs") / f"audit-{Path(proposal).stem}"
    _note_posterior(posterior_note(baseline))  # a scenario file has no bundled posterior: no note
    try:
        plan = plan_audit(proposal, baseline, draws=draws, seeds=seeds, seed=seed, scale=scale, days=days,
                          ablations=ablations, levers=levers)
        total = len(plan.variants) * len(plan.draws) * len(plan.seeds)
        with _RunProgress(total, f"audit {proposal} vs {baseline}") as bar:
            result = run_audit(plan, out_dir, workers=workers, dask=dask, scheduler=scheduler,
                               progress=bar.outcome, total=lambda done, _: bar.count(done, total))
    except InputError as error:
        _fail_input(error)
    table = Table(title=f"claims audit: {proposal} vs {baseline} — {draws} draws × {seeds} seeds, "
                        f"{len(plan.variants)} variants")
    for column in ("claim", "verdict", "P(holds)", "effect, median [90 %]", "relative", "from parameters"):
        table.add_column(column, justify="left" if column in ("claim", "verdict") else "right")
    from exitwave.outputs import format_value

    for c in result["claims"]:
        if "median" not in c:
            table.add_row(f"{c['code']} {c['output']}", c["verdict"], "–", "–", "–", "–")
            continue
        unit = c["unit"]
        share = c.get("parameter_share")
        table.add_row(f"{c['code']} {c['output']}", c["verdict"], f"{c['p_holds']:.0%}",
                      f"{format_value(c['median'], True, unit)} [{format_value(c['p5'], True, unit)} … "
                      f"{format_value(c['p95'], True, unit)}]",
                      f"{c['relative']:+.1%}" if c.get("relative") is not None else "–",
                      "–" if share is None else f"{share:.0%}")
    out.print(table)
    out.print(escape(result["summary"]))
    out.print(f"audit folder: [bold]{out_dir}[/] (audit.json, runs.parquet, runs.csv, draws.csv, runs/)")
    if result["failures"]:
        err.print(f"[bold red]{len(result['failures'])} runs failed[/]: {escape(result['failures'][0])}")
        raise typer.Exit(1)


@app.command("report")
def report_cmd(
    folders: Annotated[list[Path], typer.Argument(help="a comparison folder (`exitwave compare … --out DIR`), or ensemble folders (`exitwave ensemble … --out DIR`) and run folders")],
    out_file: Annotated[Path | None, typer.Option("--out", help="the HTML file (default FIRST_DIR/report.html)")] = None,
    sensitivity_csv: Annotated[Path | None, typer.Option("--sensitivity", help="indices from `exitwave sensitivity … --out FILE.csv` (default: the bundled Sobol result for russia-2022 vs asylum-coalition)")] = None,
    war_end_off: Annotated[Path | None, typer.Option("--war-end-off", help="the same comparison (or ensembles) run with `--war-end off`: the report then shows the front with and without the war's end")] = None,
    audit_dir: Annotated[Path | None, typer.Option("--audit", help="an audit folder from `exitwave audit … --out DIR` (default: the bundled audit for russia-2022 vs asylum-coalition)")] = None,
) -> None:
    """Write one self-contained HTML report: scenarios, claims audit, bands, flow map, calibration, sensitivity."""
    from exitwave.report import build_report
    from exitwave.report.inputs import read_inputs

    try:
        if sensitivity_csv is not None and not sensitivity_csv.is_file():
            raise InputError(str(sensitivity_csv), "--sensitivity",
                             "no such file; expected a CSV from `exitwave sensitivity … --out FILE.csv`")
        given = read_inputs(folders)
        target = out_file or folders[0] / "report.html"
        replacing = target.exists()
        with err.status("writing the report…"):
            path = build_report(folders, target, sensitivity_csv, war_end_off=war_end_off, audit_dir=audit_dir)
    except InputError as error:
        _fail_input(error)
    if not given.paired:
        err.print(f"[yellow]no claims audit:[/] {escape(given.unpaired_reason)}")
    if replacing:  # never silently: the demo's report, say, was there before
        err.print(f"[yellow]replaced[/] the earlier report {escape(str(path))} (--out FILE.html keeps both)",
                  highlight=False, soft_wrap=True)
    out.print(f"report: [bold]{path}[/]")


@app.command("calibrate")
def calibrate_cmd(
    scenario: Annotated[str, typer.Argument(help="bundled scenario name or YAML path")],
    method: Annotated[str, typer.Option(help="abc-smc (posterior) or optuna (point estimate)")] = "abc-smc",
    budget: Annotated[int, typer.Option(help="most simulations to spend", min=1)] = 400,
    population: Annotated[int, typer.Option(help="ABC-SMC particles per generation", min=1)] = 40,
    kernel_scale: Annotated[float, typer.Option(help="ABC-SMC perturbation kernel: a factor on pyABC's "
                                                     "covariance (wider keeps the weights from collapsing)")] = 2.0,
    param: Annotated[list[str] | None, typer.Option("--param", help="a registry parameter to fit (repeatable)")] = None,
    scale: Annotated[float, typer.Option(help="men per agent during calibration")] = 1000.0,
    seed: Annotated[int, typer.Option(help="seed of the calibration", min=0, max=SEED_MAX)] = 1,
    draws: Annotated[int, typer.Option(help="posterior predictive runs for the fit report and forecast", min=1)] = 20,
    out_dir: Annotated[Path | None, typer.Option("--out", help="output folder")] = None,
    workers: Workers = 1,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address (pyabc's Dask sampler)")] = None,
) -> None:
    """Calibrate on the world's window (world.yaml calibration:; Russia: 21 Sep – 2 Oct 2022): posterior, fit report, forecast to the end of that year."""
    import shlex
    import time

    from exitwave.calibration import calibrate, write_calibration
    from exitwave.calibration.abc import DEFAULT_PARAMETERS

    out_dir = out_dir or Path("runs") / f"calibration-{Path(scenario).stem}"
    db = out_dir.with_name(out_dir.name + ".abc.db")  # kept beside the results: resumable
    command = "exitwave " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    started = time.perf_counter()
    try:
        from exitwave.results import check_folder

        check_folder(out_dir.parent)  # refused before the calibration, not after it (made when written)
        with _progress() as progress:
            task = progress.add_task(f"calibrating {scenario} ({method})", total=budget)
            evaluated: dict[str, int] = {"before": 0, "generation": -2, "evaluations": 0}

            def report(counts: dict) -> None:  # pyabc's generations, evaluations and acceptances
                if counts["generation"] != evaluated["generation"]:
                    evaluated["before"] += evaluated["evaluations"]
                    evaluated["generation"] = counts["generation"]
                evaluated["evaluations"] = counts["evaluations"]
                name = "prior sample" if counts["generation"] < 0 else f"generation {counts['generation']}"
                progress.update(task, completed=min(budget, evaluated["before"] + counts["evaluations"]),
                                description=f"{scenario}: {name}, {counts['accepted']} of "
                                            f"{counts['population']} accepted")

            cal = calibrate(scenario, method=method, budget=budget, population=population, kernel_scale=kernel_scale,
                            names=list(param) if param else DEFAULT_PARAMETERS, seed=seed, scale=scale,
                            workers=workers, scheduler=scheduler, db=db if method == "abc-smc" else None,
                            progress=report)
        with _progress() as progress:
            task = progress.add_task(f"posterior predictive and forecast ({draws} runs)", total=None)
            summary = write_calibration(cal, out_dir, k=draws, seed=seed, command=command)
    except InputError as error:
        _fail_input(error)
    except KeyboardInterrupt:
        raise _interrupted(f"every finished generation is kept in {db}",
                           "run the same command again to resume from the last one") from None
    table = Table(title=f"calibration of {scenario}: {summary['simulations']} simulations, "
                        f"{summary['generations']} generations, {time.perf_counter() - started:.0f} s")
    table.add_column("parameter")
    table.add_column("posterior median", justify="right")
    table.add_column("sd / prior sd", justify="right")
    table.add_column("verdict")
    for name, info in summary["identifiability"].items():
        table.add_row(name, f"{summary['posterior_median'][name]:.4g}", f"{info['ratio']:.2f}", str(info["verdict"]))
    out.print(table)
    out.print(f"targets inside the 90 % posterior predictive band: {summary['coverage_90']:.0%}; "
              f"final tolerance {summary['final_epsilon']:.3g}")
    validation = summary.get("validation")
    if validation:
        out.print(f"forecast against {validation['observations']} later observations (not used in the fit): "
                  f"{validation['coverage_90']:.0%} inside the 90 % band")
    out.print(f"written: [bold]{out_dir}[/] (calibrated.yaml, posterior.csv, fit_report.md, fit.png, "
              f"forecast.csv, forecast.png, calibration.json{', validation.csv' if validation else ''}); pyabc's database: {db}")


@app.command("dashboard")
def dashboard_cmd(
    host: Annotated[str, typer.Option(help="address to listen on (127.0.0.1: this machine only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8501,
    max_agent_days: Annotated[int | None, typer.Option("--max-agent-days", help="refuse a comparison above this work (agents × days × runs); default 100,000,000")] = None,
) -> None:
    """Open the policy dashboard (Streamlit): edit a proposal, compare it with a baseline, audit the claims."""
    import os
    import subprocess

    from exitwave.dashboard.limits import DEFAULT_MAX_AGENT_DAYS

    limit = DEFAULT_MAX_AGENT_DAYS if max_agent_days is None else max_agent_days
    if limit < 1:
        err.print("[bold red]error:[/] --max-agent-days: expected a positive number of agent-days")
        raise typer.Exit(2)
    if not 0 < port < 65536:
        err.print(f"[bold red]error:[/] --port: expected 1–65535, got {port}")
        raise typer.Exit(2)
    app_file = Path(__file__).resolve().parent / "dashboard" / "server.py"  # the app behind the Host check
    command = [sys.executable, "-m", "streamlit", "run", str(app_file), "--server.headless", "true",
               "--server.address", host, "--server.port", str(port), "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal", "--", "--project", str(Path.cwd()),
               "--max-agent-days", str(limit), "--listen", host]
    shown = f"[{host}]" if ":" in host else host
    out.print(f"exitwave dashboard: [bold]http://{shown}:{port}[/] (project {escape(str(Path.cwd()))}; "
              f"limit {limit:,} agent-days; Ctrl-C stops it)", highlight=False, soft_wrap=True)
    sys.stdout.flush()
    env = {**os.environ, "MPLBACKEND": "Agg"}
    if os.name == "posix":  # become the server: stopping this process stops the dashboard
        os.execve(sys.executable, command, env)
    raise typer.Exit(subprocess.call(command, env=env))


app.add_typer(flee_app, name="flee")  # Flee compatibility: exitwave flee run


# ---------------------------------------------------------------- regression baseline and diff

Rtol = Annotated[float, typer.Option("--rtol", help="relative tolerance: equal when |B − A| ≤ atol + rtol · max(|A|, |B|)")]
Atol = Annotated[float, typer.Option("--atol", help="absolute tolerance, in the field's unit (mostly people)")]
BaselineDir = Annotated[Path, typer.Option("--into", help="folder of the stored baseline files")]

baseline_app = typer.Typer(no_args_is_help=True, help="The pinned regression baseline: small runs whose numbers are stored in tests/baseline/.")


def _number_text(value: float | None) -> str:
    if value is None:
        return "–"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.10g}"


def _with_baseline_progress(work):  # noqa: ANN001, ANN202 - Callable[[progress callback], T] -> T
    """Run the pinned cases under a progress bar; bad input exits 2, a failed run exits 1."""
    try:
        with _progress() as progress:
            task = progress.add_task("baseline", total=None)
            return work(lambda name, done, total: progress.update(task, completed=done, total=total,
                                                                  description=f"baseline {name}"))
    except InputError as error:
        _fail_input(error)
    except RunError as error:
        err.print(f"[bold red]run failed:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from error


def _changes_table(changes: list, title: str | None = None) -> Table:  # list[Change]
    table = Table(title=title, title_justify="left")
    table.add_column("field", overflow="fold")
    for name in ("A", "B", "Δ", "Δ %"):
        table.add_column(name, justify="right", no_wrap=True)
    for change in changes:
        relative, delta = change.relative, change.delta
        if change.a is None or change.b is None:
            shown = "only in A" if change.b is None else "only in B"
        elif relative is not None and relative != relative:  # NaN on one side
            shown = "NaN"
        elif relative is not None and abs(relative) == float("inf"):
            shown = "from 0"
        else:
            shown = f"{100 * (relative or 0.0):+.3g} %"
        if delta is None:
            delta_text = "–"
        elif float(delta).is_integer():
            delta_text = ("+" if delta > 0 else "") + _number_text(delta)
        else:
            delta_text = f"{delta:+.6g}"
        table.add_row(escape(change.field), _number_text(change.a), _number_text(change.b), delta_text, shown)
    return table


def _check_tolerances(rtol: float, atol: float) -> None:
    for name, value in (("--rtol", rtol), ("--atol", atol)):
        if not value >= 0:
            err.print(f"[bold red]error:[/] {name}: expected a tolerance ≥ 0, got {value}")
            raise typer.Exit(2)


@app.command("diff")
def diff_cmd(
    run_a: Annotated[Path, typer.Argument(help="a run directory (summary.json, series.parquet) or a baseline JSON file")],
    run_b: Annotated[Path, typer.Argument(help="the same kind of thing, compared with RUN_A")],
    rtol: Rtol = 1e-9,
    atol: Atol = 1e-9,
    as_json: Annotated[bool, typer.Option("--json", help="print the changes as JSON to stdout")] = False,
) -> None:
    """Compare the numbers of two runs (or baseline files): exit 0 when equal, 1 when they differ."""
    from exitwave.baseline import diff_values, load_values

    _check_tolerances(rtol, atol)
    try:
        a, b = load_values(run_a), load_values(run_b)
    except InputError as error:
        _fail_input(error)
    changes = diff_values(a, b, rtol=rtol, atol=atol)
    if as_json:
        document = {"a": str(run_a), "b": str(run_b), "rtol": rtol, "atol": atol, "fields": len(set(a) | set(b)),
                    "equal": not changes, "changes": [c.to_dict() for c in changes]}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    elif not changes:
        out.print(f"no differences: {len(set(a) | set(b))} fields equal within rtol {rtol:g}, atol {atol:g}",
                  highlight=False)
    else:
        out.print(escape(f"A = {run_a}\nB = {run_b}"), highlight=False, soft_wrap=True)
        out.print(_changes_table(changes, f"{len(changes)} of {len(set(a) | set(b))} fields differ "
                                          f"(rtol {rtol:g}, atol {atol:g}), largest relative change first"))
    if changes:
        raise typer.Exit(1)


@baseline_app.command("check")
def baseline_check_cmd(
    into: BaselineDir = Path("tests/baseline"),
    rtol: Rtol = 1e-9,
    atol: Atol = 1e-9,
    top: Annotated[int, typer.Option(help="changed fields shown per case (0: all)")] = 15,
) -> None:
    """Rerun every pinned case and list what changed against the stored files (exit 1 if anything did)."""
    import time

    from exitwave.baseline import CASES, check_cases, stale_files

    _check_tolerances(rtol, atol)
    started = time.perf_counter()
    checks = _with_baseline_progress(lambda report: check_cases(into, CASES, rtol, atol, progress=report))
    wall = time.perf_counter() - started
    for check in checks:
        c = check.case
        what = escape(f"{c.name} ({c.scenario}, seed {c.seed}, 1 agent = {c.scale:g} men, {c.days} days)")
        if check.missing:
            out.print(f"[yellow]missing[/] {what}: no stored file {escape(str(check.path))}", highlight=False,
                      soft_wrap=True)
        elif check.ok:
            out.print(f"[green]same[/]    {what}: {len(check.values)} fields", highlight=False, soft_wrap=True)
        else:
            shown = check.changes if top <= 0 else check.changes[:top]
            out.print(f"[bold red]changed[/] {what}: {len(check.changes)} of {len(check.values)} fields",
                      highlight=False, soft_wrap=True)
            out.print(_changes_table(shown, escape(f"A = {check.path}, B = now")))
            if len(shown) < len(check.changes):
                out.print(f"… and {len(check.changes) - len(shown)} more (--top 0 shows all)")
    stale = stale_files(into, CASES)
    for path in stale:
        out.print(f"[yellow]stale[/]   {escape(str(path))}: no such case any more", highlight=False)
    same = sum(check.ok for check in checks)
    out.print(f"{same} of {len(checks)} cases unchanged in {wall:.1f} s", highlight=False)
    if same < len(checks) or stale:
        out.print(f"if the change is intended, run `make baseline` (exitwave baseline update --into "
                  f"{escape(str(into))}) and commit the diff", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


@baseline_app.command("update")
def baseline_update_cmd(into: BaselineDir = Path("tests/baseline")) -> None:
    """Rerun every pinned case and rewrite the stored files whose numbers changed (atomically)."""
    import time

    from exitwave.baseline import CASES, is_stored, run_cases, stale_files, write_baseline

    started = time.perf_counter()
    values = _with_baseline_progress(lambda report: run_cases(CASES, progress=report))
    written = 0
    for case, numbers in zip(CASES, values, strict=True):
        path = into / f"{case.name}.json"
        if is_stored(into, case, numbers):
            out.print(f"[green]same[/]    {escape(str(path))}", highlight=False)
            continue
        write_baseline(into, case, numbers)
        written += 1
        out.print(f"[bold]written[/] {escape(str(path))} ({len(numbers)} fields)", highlight=False)
    for path in stale_files(into, CASES):
        path.unlink()
        out.print(f"[yellow]removed[/] {escape(str(path))}: no such case any more", highlight=False)
    out.print(f"{written} of {len(CASES)} files written in {time.perf_counter() - started:.1f} s; "
              f"review with `git diff {escape(str(into))}`", highlight=False)


app.add_typer(baseline_app, name="baseline")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
