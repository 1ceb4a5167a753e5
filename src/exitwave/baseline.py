"""The pinned regression baseline: a few small runs whose numbers are stored in the repository.

Each :class:`Case` is a scenario run at a coarse scale for a short time with a fixed seed. Runs
are deterministic (same scenario, seed, scale and days ⇒ identical results), so any change of a
stored number means the model computes something else. For every case the stored file
``tests/baseline/<case>.json`` holds

- every numeric field of ``summary.json``, flattened with dotted keys
  (``by_destination.KZ``, ``composition.leavers.people``); booleans count as numbers, text,
  ``null`` and the volatile ``runtime_s`` are left out;
- the total over all days of every column of the daily series (``series_sum.status.abroad``
  in person-days, ``series_sum.departed_daily`` in people), so a change of the daily dynamics
  shows even when the end values agree;

under a header naming the case and the exitwave version and git commit that wrote it. The files
are sorted, indented JSON, so a change shows in ``git diff`` as the lines of the fields that moved.

``exitwave baseline check`` reruns the cases and lists what changed; ``exitwave baseline update``
(``make baseline``) rewrites the files; ``exitwave diff A B`` compares two run directories or
two baseline files with :func:`diff_values`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exitwave.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from exitwave.results import Results
    from exitwave.scenario.schema import Scenario

__all__ = ["CASES", "DEFAULT_ATOL", "DEFAULT_RTOL", "Case", "CaseCheck", "Change",
           "baseline_values", "case_values", "check_cases", "diff_values", "flatten", "flatten_run",
           "is_stored", "load_values", "read_baseline", "run_case", "run_cases", "stale_files",
           "stored_values", "write_baseline"]

DEFAULT_RTOL = 1e-9
"""Default relative tolerance of :func:`diff_values` (runs are deterministic, so it is tight)."""
DEFAULT_ATOL = 1e-9
"""Default absolute tolerance of :func:`diff_values`, in the unit of the field (mostly people)."""

VOLATILE = frozenset({"runtime_s"})
"""Summary fields that differ between identical runs (wall-clock time), never compared."""

SERIES_PREFIX = "series_sum."
"""Prefix of the per-column totals of the daily series in a flattened run."""

FORMAT = 1
"""Version of the baseline file layout (the ``format`` field of its header)."""

_ROOT = Path(__file__).resolve().parents[2]  # the project checkout (src/exitwave/baseline.py)


@dataclass(frozen=True)
class Case:
    """One pinned run: a scenario, a seed, men per agent and a number of days.

    ``scenario`` is a bundled scenario name or a YAML path relative to the project root
    (``examples/scenarios/ruritania-callup.yaml``).
    """

    scenario: str
    seed: int
    scale: float  # men per agent
    days: int

    @property
    def name(self) -> str:
        """The case's file stem: ``russia-2022-s1``."""
        return f"{Path(self.scenario).stem}-s{self.seed}"


CASES: tuple[Case, ...] = (
    Case("russia-2022", seed=1, scale=2000.0, days=60),
    Case("russia-2022", seed=2, scale=2000.0, days=60),
    Case("asylum-coalition", seed=1, scale=2000.0, days=60),
    Case("captor-credibility", seed=1, scale=2000.0, days=90),
    Case("russia-2022-to-2025", seed=1, scale=2000.0, days=180),
    Case("examples/scenarios/ruritania-callup.yaml", seed=1, scale=100.0, days=60),
    Case("examples/scenarios/ruritania-open-door.yaml", seed=1, scale=100.0, days=60),
)
"""The pinned cases; all together run in well under a minute on two cores."""


@dataclass(frozen=True)
class Change:
    """One field that differs between two flattened runs A and B.

    ``a`` or ``b`` is ``None`` when the field exists on one side only. ``delta`` is B − A in
    the field's unit; ``relative`` is (B − A) / |A| (``inf`` when A is 0, ``None`` when a side
    is missing).
    """

    field: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        """B − A, in the field's unit; ``None`` when a side is missing."""
        if self.a is None or self.b is None:
            return None
        return self.b - self.a

    @property
    def relative(self) -> float | None:
        """(B − A) / |A|; ``inf`` (signed) when A is 0; ``None`` when a side is missing."""
        delta = self.delta
        if delta is None or self.a is None:
            return None
        if self.a == 0:
            return math.copysign(math.inf, delta) if delta else 0.0
        return delta / abs(self.a)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (undefined or infinite relative change → ``None``)."""
        relative = self.relative
        return {"field": self.field, "a": _plain(self.a), "b": _plain(self.b),
                "delta": _plain(self.delta),
                "relative": relative if relative is not None and math.isfinite(relative) else None}


def _plain(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def _ranking(change: Change) -> tuple[bool, float, str]:
    """Fields on one side only first, then by |relative change| (largest first), then by name."""
    relative = change.relative
    size = math.inf if relative is None or math.isnan(relative) else abs(relative)
    return (change.delta is not None, -size, change.field)


def diff_values(a: Mapping[str, float], b: Mapping[str, float], rtol: float = DEFAULT_RTOL,
                atol: float = DEFAULT_ATOL) -> list[Change]:
    """The fields of two flattened runs that differ: fields on one side only, then the largest
    relative change first.

    Two values are equal when |B − A| ≤ ``atol`` + ``rtol`` · max(|A|, |B|) (both NaN counts
    as equal); a field present on one side only is always a change.
    """
    if rtol < 0 or atol < 0:
        raise ValueError("rtol and atol must be ≥ 0")
    changes: list[Change] = []
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            changes.append(Change(key, _number(a.get(key)), _number(b.get(key))))
            continue
        x, y = float(a[key]), float(b[key])
        if math.isnan(x) and math.isnan(y):
            continue
        if x == y or abs(y - x) <= atol + rtol * max(abs(x), abs(y)):
            continue
        changes.append(Change(key, x, y))
    return sorted(changes, key=_ranking)


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """The numeric leaves of nested mappings and lists, keyed by dotted path.

    Booleans become 1/0; text and ``None`` are left out, as are the volatile fields
    (``runtime_s``) at any depth.
    """
    flat: dict[str, float] = {}

    def walk(value: Any, key: str) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                if str(k) not in VOLATILE:
                    walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(value, list | tuple):
            for i, v in enumerate(value):
                walk(v, f"{key}.{i}" if key else str(i))
        elif isinstance(value, bool):
            flat[key] = int(value)
        elif isinstance(value, int | float):
            flat[key] = value
        elif hasattr(value, "item") and isinstance(value.item(), int | float):  # numpy scalar
            walk(value.item(), key)

    walk(mapping, prefix)
    return flat


def series_totals(series: pd.DataFrame) -> dict[str, float]:
    """Each numeric column of the daily series summed over all days (NaN days skipped)."""
    totals: dict[str, float] = {}
    for column in series.columns:
        if series[column].dtype.kind in "biuf":
            total = float(series[column].sum())
            totals[f"{SERIES_PREFIX}{column}"] = round(total, 6)
    return totals


def flatten_run(summary: Mapping[str, Any], series: pd.DataFrame | None) -> dict[str, float]:
    """A run as one flat mapping: the summary's numeric fields plus the series totals."""
    values = flatten(summary)
    if series is not None:
        values.update(series_totals(series))
    return values


# ---------------------------------------------------------------- running the cases


def _scenario_path(case: Case, root: Path) -> str:
    path = Path(case.scenario)
    if path.suffix in (".yaml", ".yml") and not path.is_absolute():
        return str(root / path)
    return case.scenario


def case_scenario(case: Case, root: Path | None = None) -> tuple[Scenario, Path]:
    """The case's scenario as loaded from its file, and that file (for relative world paths)."""
    from exitwave.scenario.load import load_scenario, resolve_scenario_path

    where = _scenario_path(case, root or _ROOT)
    return load_scenario(where), resolve_scenario_path(where)


def run_case(case: Case, scenario: Scenario | None = None,
             progress: Callable[[int, int], None] | None = None, root: Path | None = None) -> Results:
    """Run one case; ``scenario`` replaces the case's own (e.g. a perturbed copy of it)."""
    from exitwave.engine import Simulation

    loaded, source = case_scenario(case, root)
    sim = Simulation(scenario if scenario is not None else loaded, seed=case.seed, scale=case.scale,
                     days=case.days, source=source)
    return sim.run(progress=progress)


def case_values(case: Case, scenario: Scenario | None = None,
                progress: Callable[[int, int], None] | None = None,
                root: Path | None = None) -> dict[str, float]:
    """Run one case and flatten what it produced (see :func:`flatten_run`)."""
    results = run_case(case, scenario, progress, root)
    return flatten_run(results.summary, results.series)


# ---------------------------------------------------------------- baseline files


def baseline_document(case: Case, values: Mapping[str, float]) -> dict[str, Any]:
    """The content of a baseline file: header (case, who wrote it) and the values."""
    from exitwave.results import exitwave_version, git_commit

    return {"format": FORMAT,
            "case": {"name": case.name, **asdict(case)},
            "made_by": {"exitwave_version": exitwave_version(), "git_commit": git_commit()},
            "values": dict(values)}


def _dumps(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=True) + "\n"


def write_baseline(folder: Path, case: Case, values: Mapping[str, float]) -> Path:
    """Write ``folder/<case>.json`` atomically (a temporary file renamed into place)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{case.name}.json"
    temp = folder / f".{path.name}.tmp-{os.getpid()}"
    try:
        temp.write_text(_dumps(baseline_document(case, values)), encoding="utf-8")
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def is_stored(folder: Path, case: Case, values: Mapping[str, float]) -> bool:
    """Whether ``folder/<case>.json`` already holds exactly ``values`` for ``case`` (in the
    current file format); ``baseline update`` then leaves the file, and its header, as it is."""
    try:
        stored = json.loads((Path(folder) / f"{case.name}.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return (isinstance(stored, dict) and stored.get("format") == FORMAT
            and stored.get("case") == {"name": case.name, **asdict(case)}
            and stored.get("values") == dict(values))


def _read_json(path: Path, expected: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise InputError(str(path), "", f"file not found; expected {expected}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(str(path), "", f"cannot read file ({error}); expected {expected}") from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(str(path), f"line {error.lineno}, column {error.colno}",
                         f"malformed JSON ({error.msg}); expected {expected}") from error


_BASELINE_FILE = "a baseline file written by `exitwave baseline update`"


def read_baseline(path: Path) -> dict[str, Any]:
    """A baseline file's document; :class:`InputError` if it is missing or malformed."""
    document = _read_json(path, _BASELINE_FILE)
    if not isinstance(document, dict):
        raise InputError(str(path), "", f"expected a JSON object, got {type(document).__name__}; "
                                        f"expected {_BASELINE_FILE}")
    values = document.get("values")
    if not isinstance(values, dict):
        raise InputError(str(path), "values", f"missing or not an object; expected {_BASELINE_FILE}")
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(str(path), f"values.{key}", f"expected a number, got {value!r}")
    return document


def baseline_values(path: Path) -> dict[str, float]:
    """The stored values of a baseline file."""
    return dict(read_baseline(path)["values"])


_RUN_DIR = "a run directory written by `exitwave run` (summary.json, series.parquet)"


def load_values(path: Path) -> dict[str, float]:
    """Flattened values of a run directory or a baseline JSON file; :class:`InputError` else."""
    path = Path(path)
    if path.is_file():
        return baseline_values(path)
    if not path.is_dir():
        raise InputError(str(path), "", f"no such folder or file; expected {_RUN_DIR} or "
                                        f"{_BASELINE_FILE}")
    summary_file = path / "summary.json"
    from exitwave.results import read_summary

    summary = read_summary(summary_file)
    series_file = path / "series.parquet"
    if not series_file.is_file():
        raise InputError(str(series_file), "", f"file not found; expected the daily series of {_RUN_DIR}")
    import pandas as pd

    try:
        series = pd.read_parquet(series_file)
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise InputError(str(series_file), "", f"cannot read the Parquet file ({error}); "
                                               f"expected the daily series of {_RUN_DIR}") from error
    return flatten_run(summary, series)


# ---------------------------------------------------------------- checking all cases


@dataclass(frozen=True)
class CaseCheck:
    """A case rerun against its stored file: what changed, or why there is nothing to compare."""

    case: Case
    path: Path
    values: dict[str, float]
    changes: list[Change]
    missing: bool  # no stored file yet

    @property
    def ok(self) -> bool:
        return not self.missing and not self.changes


CasesProgress = Callable[[str, int, int], None]
"""Progress of many cases: (case name, days done over all cases, days of all cases)."""


def _shifted(progress: CasesProgress, name: str, offset: int, total: int) -> Callable[[int, int], None]:
    """One run's (day, days) progress as progress over all cases."""
    def report(done: int, _days: int) -> None:
        progress(name, offset + done, total)

    return report


def run_cases(cases: Iterable[Case] = CASES, progress: CasesProgress | None = None,
              root: Path | None = None) -> list[dict[str, float]]:
    """Run the cases one after the other; the flattened values of each, in order."""
    cases = list(cases)
    total = sum(case.days for case in cases)
    before = 0
    values = []
    for case in cases:
        report = None
        if progress is not None:
            progress(case.name, before, total)
            report = _shifted(progress, case.name, before, total)
        values.append(case_values(case, progress=report, root=root))
        before += case.days
    if progress is not None and cases:
        progress(cases[-1].name, total, total)
    return values


def stored_values(folder: Path, cases: Iterable[Case] = CASES) -> dict[str, dict[str, float] | None]:
    """Case name → the values stored in ``folder/<case>.json`` (``None`` when there is no file);
    :class:`InputError` for a file that is there but cannot be read."""
    stored: dict[str, dict[str, float] | None] = {}
    for case in cases:
        path = Path(folder) / f"{case.name}.json"
        stored[case.name] = baseline_values(path) if path.exists() else None
    return stored


def check_cases(folder: Path, cases: Iterable[Case] = CASES, rtol: float = DEFAULT_RTOL,
                atol: float = DEFAULT_ATOL, progress: CasesProgress | None = None,
                root: Path | None = None) -> list[CaseCheck]:
    """Rerun every case and compare it with ``folder/<case>.json`` (A = stored, B = now).

    The stored files are read first, so a broken one fails (:class:`InputError`) before any
    run; a missing one is reported as ``missing``.
    """
    cases = list(cases)
    stored = stored_values(folder, cases)
    checks = []
    for case, values in zip(cases, run_cases(cases, progress, root), strict=True):
        old = stored[case.name]
        changes = diff_values(old, values, rtol, atol) if old is not None else []
        checks.append(CaseCheck(case, Path(folder) / f"{case.name}.json", values, changes,
                                missing=old is None))
    return checks


def stale_files(folder: Path, cases: Iterable[Case] = CASES) -> list[Path]:
    """Baseline files in ``folder`` that belong to no case (e.g. a case that was removed)."""
    names = {f"{case.name}.json" for case in cases}
    stale = []
    for path in sorted(Path(folder).glob("*.json")):
        if path.name in names:
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(document, dict) and "case" in document and "values" in document:
            stale.append(path)
    return stale
