"""The output registry: every number a user sees, declared once where it is produced.

Each mechanism module declares its outputs (``outputs`` on the module class, see
:mod:`exitwave.modules.protocol`); the run's own outputs (population, conservation, composition)
are declared here. Everything that shows a number reads this registry: ``build_results`` (which
counters become series and summary fields, and how they scale with agents), ``summary.json``, the
compare and ensemble tables of the command line, the HTML report, the dashboard and
``docs/outputs.md``. A counter a module increments without declaring it is an error
(:meth:`exitwave.state.State.count`), and a test checks that every summary field and series
column of a run is registered.

An output is one of three kinds:

* ``counter`` — cumulative count of events, in agents while running, ``× scale`` in people
  (a daily cumulative series and, with ``summary=True``, a summary field of the same name);
* ``summary`` — a field of ``summary.json`` computed at the end of the run (with ``series=True``
  also a daily series column of the same name);
* ``series`` — a column of the daily series.

A *family* (``family=True``) is a set of outputs keyed by a place or a status: ``by_destination``
covers ``by_destination.KZ``; the label template's ``{key}`` is filled with the member's name.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

    from exitwave.experiments.comparison import Comparison

__all__ = ["Output", "OutputRegistry", "RUN_OUTPUTS", "registry", "format_value", "headline_fields",
           "headline_value", "headline_table", "headline_numbers", "output_unit", "uncertainty_step",
           "markdown_table", "outcome_value", "EU_KEY", "HEADLINE_KEYS", "HEADLINE_NOTE", "band_text", "docs_page",
           "table_notes"]

Kind = Literal["counter", "summary", "series"]
Scaling = Literal["agents", "none"]
Good = Literal["higher", "lower"] | None


@dataclass(frozen=True)
class Output:
    """One output: what it is called, in words and units, and how to read it.

    ``scaling``: ``agents`` — counted in agents and reported in people (× men per agent), so it
    is a sum over men; ``none`` — a share, a mean, a day or a flag, the same at any scale.
    ``good``: which way is better for the men and the countries involved (``higher``,
    ``lower``), or ``None`` where that depends on the reader's goal (departures, for instance).
    ``may_not_happen``: the output is ``null`` when its event did not happen within the run
    (the war's end); tables show it censored at the run's last day (``censor``).
    """

    name: str
    label: str
    unit: str
    kind: Kind = "summary"
    scaling: Scaling = "agents"
    good: Good = None
    description: str = ""
    family: bool = False
    summary: bool = True  # counters: also a summary.json field of the same name
    series: bool = False  # summary fields: also a daily series column of the same name
    series_label: str = ""  # the daily series' label when it differs from the summary field's
    may_not_happen: bool = False
    censor: str | None = None  # the summary field that censors a ``may_not_happen`` value
    note_field: str | None = None  # a text summary field printed under every table showing this output

    @property
    def daily_label(self) -> str:
        """The label of its daily series (counters are cumulative)."""
        if self.series_label:
            return self.series_label
        return self.label + (" (cumulative)" if self.kind == "counter" else "")

    def label_for(self, key: str | None = None) -> str:
        """The label in words; for a family member, with its key (or name) filled in."""
        return self.label.replace("{key}", key or "…")


class OutputRegistry:
    """Outputs by name; families match any ``name.member``."""

    def __init__(self, outputs: Iterable[Output] = ()) -> None:
        self._outputs: dict[str, Output] = {}
        self._owner: dict[str, str] = {}
        for output in outputs:
            self.add(output, "run")

    def add(self, output: Output, owner: str) -> None:
        """Register ``output`` for ``owner`` (a module name); a name registered twice is an error."""
        if output.name in self._outputs and self._outputs[output.name] != output:
            raise ValueError(f"output {output.name!r} is declared by both {self._owner[output.name]!r} "
                             f"and {owner!r}: each output has one owner")
        self._outputs[output.name] = output
        self._owner[output.name] = owner

    def extended(self, outputs: Iterable[Output], owner: str) -> OutputRegistry:
        """A copy with ``outputs`` of ``owner`` added."""
        new = OutputRegistry()
        new._outputs, new._owner = dict(self._outputs), dict(self._owner)
        for output in outputs:
            new.add(output, owner)
        return new

    def __iter__(self):  # noqa: ANN204 - Iterator[Output]
        return iter(self._outputs.values())

    def __len__(self) -> int:
        return len(self._outputs)

    def owner(self, name: str) -> str:
        return self._owner[self.get(name).name]

    def find(self, name: str) -> Output | None:
        """The output called ``name``, or the family it belongs to (``by_destination.KZ``)."""
        if name in self._outputs:
            return self._outputs[name]
        head = name
        while "." in head:
            head = head.rsplit(".", 1)[0]
            found = self._outputs.get(head)
            if found is not None and found.family:
                return found
        return None

    def get(self, name: str) -> Output:
        found = self.find(name)
        if found is None:
            raise KeyError(f"output {name!r} is not registered: declare it in the module that produces it "
                           "(see docs/architecture.md, 'Outputs')")
        return found

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    def counters(self) -> tuple[str, ...]:
        """Names of the counters, in registration order (the order of the series columns)."""
        return tuple(o.name for o in self if o.kind == "counter")

    def label(self, name: str, key_names: Mapping[str, str] | None = None) -> str:
        """The label of ``name`` in words (a family member's key translated by ``key_names``;
        statuses in words by default)."""
        output = self.get(name)
        if output.family and name != output.name:
            key = name[len(output.name) + 1:]
            words = {**STATUS_WORDS, **(key_names or {})} if output.name in _STATUS_FAMILIES else key_names
            return output.label_for((words or {}).get(key, key))
        return output.label

    def unregistered(self, names: Iterable[str]) -> list[str]:
        return [n for n in names if n not in self]


#: The statuses (``status.x``, ``final_state_counts.x``) in words.
STATUS_WORDS = {"at_home": "at home", "summoned": "summoned", "hiding": "in hiding",
                "mobilized": "mobilized or recruited, in training", "travelling": "travelling",
                "queued": "queueing at a crossing", "abroad": "abroad", "screening": "waiting for screening",
                "asylum_pending": "awaiting an asylum decision", "protected": "protected abroad",
                "returned": "back home after a stay abroad", "soldier": "at the front", "wounded": "wounded, in care",
                "killed": "killed", "deserted": "deserted", "surrendered": "surrendered", "discharged": "discharged"}
_STATUS_FAMILIES = ("status", "final_state_counts")

# --- outputs of the run itself (not of one mechanism) ---------------------------------------------
RUN_OUTPUTS = (
    Output("scenario", "scenario", "name", scaling="none"),
    Output("seed", "seed", "integer", scaling="none"),
    Output("scale", "men per agent", "men/agent", scaling="none"),
    Output("start", "first day", "date", scaling="none"),
    Output("days", "days simulated", "days", scaling="none"),
    Output("agents", "agents", "agents", scaling="none"),
    Output("population", "men in the model", "people", description="men of the modelled ages at the start"),
    Output("final_state_counts", "men {key} at end", "people", family=True,
           description="men in each status on the last day (sums to the population)"),
    Output("status", "men {key}", "people", kind="series", family=True,
           description="men in each status, daily"),
    Output("conservation_ok", "everyone accounted for every day", "flag", scaling="none",
           description="every man in exactly one status every day; counts agree with every active set"),
    Output("conservation_problems", "conservation problems", "text", scaling="none"),
    Output("runtime_s", "run time", "s", scaling="none"),
    Output("composition", "who left and who was taken: {key}", "mixed", family=True, scaling="none",
           description="leavers (abroad at end) vs recruits (ever taken by the army) by means percentile "
                       "and home region (claim C11): .people, .means_percentile (0–100), .by_region "
                       "shares, regional_overlap (1 = same regions), means_gap (percentile points)"),
)


def registry(modules: Sequence[Any] | None = None) -> OutputRegistry:
    """The outputs of a run with ``modules`` (the default module list when ``None``; that
    registry is built once and shared — treat it as read-only, extend with ``extended``)."""
    if modules is None:
        return _default_registry()
    return _build_registry(modules)


@functools.cache
def _default_registry() -> OutputRegistry:
    from exitwave.modules import DEFAULT_MODULES

    return _build_registry(DEFAULT_MODULES)


def _build_registry(modules: Sequence[Any]) -> OutputRegistry:
    reg = OutputRegistry(RUN_OUTPUTS)
    for module in modules:
        for output in getattr(module, "outputs", ()):
            reg.add(output, module.name)
    return reg


# --- numbers as text ---------------------------------------------------------------------------------
def uncertainty_step(low: float, high: float) -> float | None:
    """The rounding step an interval supports: two significant figures of its width
    (a band 814,600–876,000 is 61,400 wide, so values are shown to the nearest 1,000).
    ``None`` when the width is zero or not a number (nothing to round to)."""
    width = abs(float(high) - float(low))
    if not math.isfinite(width) or width == 0:
        return None
    return float(10.0 ** (math.floor(math.log10(width)) - 1))


def format_value(value: object, signed: bool = False, unit: str = "people", step: float | None = None) -> str:
    """A number for people to read: 950, 12.3k, 1.25M; shares and morale to 3 decimals, days whole.

    ``signed`` writes a sign (+, − or ±) for differences. NaN and ``None`` print as "–".
    ``step`` (from :func:`uncertainty_step`) rounds to what the uncertainty supports: with a step
    of 1,000, 855,123 prints as 855k, not 855.1k; with a step of 0.01, a share prints to 2 decimals.
    """
    if value is None:
        return "–"
    v = float(value)  # type: ignore[arg-type]
    if v != v:
        return "–"
    if step is not None and step > 0:
        v = round(v / step) * step
    sign = ("+" if v > 0 else "−" if v < 0 else "±") if signed else ("−" if v < 0 else "")
    v = abs(v)
    if unit.startswith("day"):
        return f"{sign}{v:,.0f}"
    if unit.startswith(("share", "morale", "0–1")):
        decimals = 3 if step is None else min(3, max(0, -math.floor(math.log10(step))))
        return f"{sign}{v:.{decimals}f}"
    if v >= 1e6:
        decimals = 2 if step is None else min(3, max(0, math.ceil(-math.log10(step / 1e6) - 1e-9)))
        text = f"{v / 1e6:.{decimals}f}M"
    elif v >= 1e4:
        decimals = 1 if step is None else min(1, max(0, math.ceil(-math.log10(step / 1e3) - 1e-9)))
        text = f"{v / 1e3:.{decimals}f}k"
    elif v < 10 and v != round(v):
        # a fraction of a person (a median of paired differences) gets one decimal, so 3.5 people
        # never reads as 3,500; other small quantities (rates per unit) keep three
        whole_people = 1 if unit == "people" else 3
        decimals = whole_people if step is None else min(whole_people, max(0, -math.floor(math.log10(step))))
        text = f"{v:.{decimals}f}"
    else:
        text = f"{v:,.0f}"
    return sign + text


# --- the headline table ------------------------------------------------------------------------------
EU_KEY = "dest.EU"  # the EU as one destination (sum over members)

#: Headline outputs, in order, before and after the per-place rows; front rows when there is a front.
_HEADLINE_HOME = ("departed",)
_HEADLINE_REST = ("mobilized", "mobilization_shortfall", "hiding", "detained_at_border", "protected",
                  "returned", "hostile_admitted")
_HEADLINE_FRONT = ("force_strength", "killed", "soldier_days_lost_to_care", "deserted", "surrendered",
                   "mean_morale", "war_end_day",
                   # the front while the war goes on: not shrunk by an early war end (docs/model.md §7)
                   "desertion_share_per_month_at_war", "surrender_share_per_month_at_war")
#: The headline outputs that are single summary fields (the ensemble table shows these).
HEADLINE_KEYS = _HEADLINE_HOME + _HEADLINE_REST + _HEADLINE_FRONT


def headline_fields(summary: Mapping[str, Any], names: Mapping[str, str],
                    reg: OutputRegistry | None = None) -> list[tuple[str, str]]:
    """(key, label) of the headline outputs for runs like ``summary``: departures, the four
    largest destinations, the EU, the busiest crossing's peak queue, the home front and — when
    the runs have a front — the front. Labels come from the registry."""
    reg = reg or registry()
    fields = [(k, reg.label(k)) for k in _HEADLINE_HOME]
    destinations = sorted(summary["by_destination"].items(), key=lambda kv: -kv[1])[:4]
    fields += [(f"dest.{iso}", reg.label(f"by_destination.{iso}", names)) for iso, _ in destinations]
    fields.append((EU_KEY, reg.label("by_destination.EU", {"EU": "the EU"})))
    if summary["peak_queue"]:
        busiest = max(summary["peak_queue"].items(), key=lambda kv: kv[1])[0]
        fields.append((f"peak_queue.{busiest}", reg.label(f"peak_queue.{busiest}", names)))
    fields += [(k, reg.label(k)) for k in _HEADLINE_REST]
    if "force_strength" in summary:
        fields += [(k, reg.label(k)) for k in _HEADLINE_FRONT]
    return fields


def output_of_key(key: str) -> str:
    """The registered output behind a headline key (``dest.KZ`` → ``by_destination.KZ``)."""
    return "by_destination." + key[5:] if key.startswith("dest.") else key


def outcome_value(summary: Mapping[str, Any], name: str) -> float:
    """A summary field as a number; an output that may not happen (the war's end) is censored at
    the field its registry entry names (the run's last day), so it can be averaged and paired.
    This is the one definition used by tables, ensembles and the claims audit."""
    output = registry().find(name)
    value = summary.get(name)
    if value is None and output is not None and output.may_not_happen and output.censor:
        value = summary.get(output.censor)
    return float("nan") if value is None else float(value)


def headline_value(summary: Mapping[str, Any], key: str, eu: set[str]) -> float:
    """One headline number from a summary (people, or the output's own unit)."""
    if key.startswith("dest."):
        iso = key[5:]
        dest = summary["by_destination"]
        return float(sum(v for k, v in dest.items() if k in eu)) if key == EU_KEY else float(dest.get(iso, 0))
    if key.startswith("peak_queue."):
        return float(summary["peak_queue"].get(key.split(".", 1)[1], 0))
    return outcome_value(summary, key)


def headline_table(comparison: Comparison, reg: OutputRegistry | None = None) -> pd.DataFrame:
    """The headline table as text, one function for the command line, the HTML report and the
    dashboard: per scenario the median [5–95 %] over seeds, per later scenario the paired
    difference from the first, median [5–95 %], with ``*`` where that band excludes zero.

    Index: the output's label; columns: the scenario names, then ``Δ <name>``.
    """
    import pandas as pd

    reg = reg or registry()
    frame = comparison.to_frame()
    rows = []
    for key, label in comparison.fields:
        row: Any = frame.loc[key]
        unit = output_unit(key, reg)
        cells: dict[str, str] = {"output": label}
        for name in comparison.names:
            cells[name] = band_text(float(row[f"{name}.median"]), float(row[f"{name}.p5"]),
                                    float(row[f"{name}.p95"]), unit)
        for name in comparison.names[1:]:
            mark = " *" if row[f"{name}.distinguishable"] else ""
            cells[f"Δ {name}"] = band_text(float(row[f"{name}.diff_median"]), float(row[f"{name}.diff_p5"]),
                                           float(row[f"{name}.diff_p95"]), unit, signed=True) + mark
        rows.append(cells)
    return pd.DataFrame(rows, columns=["output", *comparison.names,
                                       *[f"Δ {n}" for n in comparison.names[1:]]]).set_index("output")


def output_unit(key: str, reg: OutputRegistry | None = None) -> str:
    """The unit of a headline key (``dest.KZ`` → people)."""
    reg = reg or registry()
    name = output_of_key(key)
    return reg.get(name).unit if name in reg else "people"


def headline_numbers(comparison: Comparison, reg: OutputRegistry | None = None) -> pd.DataFrame:
    """The headline table as numbers, one row per output and scenario (for CSV, JSON, Parquet):
    ``output, label, unit, scenario, median, p5, p95`` and, for every scenario after the first,
    the paired difference from the first (``diff_median, diff_p5, diff_p95, distinguishable``;
    empty for the first)."""
    import pandas as pd

    reg = reg or registry()
    frame = comparison.to_frame()
    rows = []
    for key, label in comparison.fields:
        row: Any = frame.loc[key]
        for k, name in enumerate(comparison.names):
            record: dict[str, Any] = {"output": key, "label": label, "unit": output_unit(key, reg), "scenario": name,
                                      "median": row[f"{name}.median"], "p5": row[f"{name}.p5"],
                                      "p95": row[f"{name}.p95"]}
            for part in ("diff_median", "diff_p5", "diff_p95"):
                record[part] = row[f"{name}.{part}"] if k else float("nan")
            record["distinguishable"] = bool(row[f"{name}.distinguishable"]) if k else None
            rows.append(record)
    return pd.DataFrame(rows)


HEADLINE_NOTE = ("Median [5–95 %] over seeds; Δ is the paired difference from the first scenario on the "
                 "same seeds; * its 5–95 % band excludes zero (distinguishable at this ensemble size).")


def table_notes(keys: Iterable[str], summaries: Mapping[str, Sequence[Mapping[str, Any]]],
                reg: OutputRegistry | None = None) -> list[str]:
    """Notes for a table showing the outputs ``keys`` (headline keys or output names), from runs
    ``summaries`` (scenario → its runs' summaries): for each output whose registry entry names a
    ``note_field`` — the war-end date names the war-end rule and its source — the distinct texts of
    that field, each with the scenarios it belongs to when they differ. Runs without the field add
    nothing (older run folders)."""
    reg = reg or registry()
    notes: list[str] = []
    seen: set[str] = set()
    for key in keys:
        output = reg.find(output_of_key(key))
        if output is None or output.note_field is None or output.note_field in seen:
            continue
        seen.add(output.note_field)
        texts: dict[str, list[str]] = {}
        for name, runs in summaries.items():
            for text in dict.fromkeys(str(s[output.note_field]) for s in runs if s.get(output.note_field)):
                texts.setdefault(text, []).append(name)
        for text, names in texts.items():
            whose = f" ({', '.join(names)})" if len(texts) > 1 else ""
            label = reg.label(output.note_field) if output.note_field in reg else output.note_field
            notes.append(f"{label}{whose}: {text}.")
    return notes


def band_text(median: float, p5: float, p95: float, unit: str = "people", signed: bool = False) -> str:
    """``median [p5–p95]`` as text, rounded to two significant figures of the band's width; a
    band of zero width is just the value. Differences (``signed``) are written ``[p5 … p95]``."""
    if any(x is None or (isinstance(x, float) and math.isnan(x)) for x in (median, p5, p95)):
        return "–"
    step = uncertainty_step(p5, p95)
    value = format_value(median, signed, unit, step)
    if step is None and p5 == p95 == median:
        return value
    low, high = format_value(p5, signed, unit, step), format_value(p95, signed, unit, step)
    return f"{value} [{low} … {high}]" if signed else f"{value} [{low}–{high}]"


# --- docs ------------------------------------------------------------------------------------------
def markdown_table(reg: OutputRegistry | None = None) -> str:
    """The registry as a Markdown table (docs/outputs.md is generated from it)."""
    reg = reg or registry()
    lines = ["| output | kind | label | unit | scales with agents | better | declared by | meaning |",
             "|---|---|---|---|---|---|---|---|"]
    for o in reg:
        name = f"`{o.name}.*`" if o.family else f"`{o.name}`"
        kind = o.kind + (" + summary" if o.kind == "counter" and o.summary else "") + (" + series" if o.series else "")
        better = o.good or "–"
        note = o.description + (" May not happen: null then, censored at `" + o.censor + "` in tables."
                                if o.may_not_happen and o.censor else "")
        if o.note_field:
            note += f" Tables that show it print `{o.note_field}` under them."
        lines.append(f"| {name} | {kind} | {o.label_for('{key}')} | {o.unit} | "
                     f"{'yes' if o.scaling == 'agents' else 'no'} | {better} | {reg.owner(o.name)} | {note} |")
    return "\n".join(lines)


def docs_page() -> str:
    """The text of docs/outputs.md."""
    return "\n".join([
        "# Outputs", "",
        "Generated from the output registry by `python -m exitwave.outputs > docs/outputs.md`; a test "
        "checks that this page matches the code. Every summary field, series column and table row a "
        "user sees is one of these (a family such as `by_destination.*` has one member per place or "
        "status). *Scales with agents*: counted in agents and reported in people (× men per agent). "
        "*Better*: which way is better for the men and the countries involved; `–` where that depends "
        "on the reader's goal.", "",
        markdown_table(), ""])


if __name__ == "__main__":  # python -m exitwave.outputs > docs/outputs.md
    print(docs_page(), end="")
