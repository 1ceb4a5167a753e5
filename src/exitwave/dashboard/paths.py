"""Path safety: the dashboard reads only the project's scenario folders, worlds and run folders.

Scenario choices come from a list the app builds (bundled names and the YAML files found in the
allowed folders). Any path a user types is resolved — ``..`` collapsed, symlinks followed — and
refused unless the real file lies inside an allowed folder (:func:`safe_path`). A scenario file
that passes is then followed through its ``extends:`` chain and its ``world:`` folder, and refused
if any of them leads outside the allowed folders or the package's bundled data
(:func:`check_scenario_reads`).

Allowed, relative to the project folder (where ``exitwave dashboard`` was started):

* scenarios: ``scenarios/``, ``examples/scenarios/`` and the run folder ``runs/``;
* worlds: ``worlds/`` and ``examples/worlds/`` (besides the bundled worlds);
* written: ``runs/dashboard/`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from exitwave.errors import InputError
from exitwave.safe_yaml import read_file

__all__ = ["PathRefused", "ProjectPaths", "check_comparison_reads", "check_scenario_reads", "safe_path",
           "scenario_choices"]

_SCENARIO_SUFFIXES = (".yaml", ".yml")
_MAX_CHAIN = 16
_MAX_PATH_CHARS = 4096  # PATH_MAX on Linux; longer text is refused before the file system sees it
_MAX_NAME_CHARS = 255  # NAME_MAX: one path component


class PathRefused(InputError):
    """A path outside the folders the dashboard may read (names the path and the folders)."""


@dataclass(frozen=True)
class ProjectPaths:
    """The folders of one project that the dashboard may read and write."""

    root: Path

    @classmethod
    def at(cls, root: str | Path) -> ProjectPaths:
        """The project whose folder is ``root`` (made absolute, symlinks resolved)."""
        return cls(Path(root).resolve())

    @property
    def scenario_roots(self) -> tuple[Path, ...]:
        """Folders whose YAML files are offered as scenarios."""
        return (self.root / "scenarios", self.root / "examples" / "scenarios")

    @property
    def run_root(self) -> Path:
        """The run folder (``runs/``): saved comparisons and their scenarios may be read back."""
        return self.root / "runs"

    @property
    def dashboard_runs(self) -> Path:
        """Where dashboard comparisons are written: ``runs/dashboard/<timestamp>``."""
        return self.run_root / "dashboard"

    @property
    def world_roots(self) -> tuple[Path, ...]:
        """Folders that may hold the world folders of the project's scenarios."""
        return (self.root / "worlds", self.root / "examples" / "worlds")

    @property
    def readable_scenario_roots(self) -> tuple[Path, ...]:
        """Every folder a scenario file may be read from (scenario folders and runs)."""
        return (*self.scenario_roots, self.run_root)


def _bundled_scenarios() -> Path:
    return Path(str(resources.files("exitwave.scenario") / "builtin")).resolve()


def _bundled_worlds() -> Path:
    return Path(str(resources.files("exitwave.data") / "worlds")).resolve()


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path.is_relative_to(root.resolve()) for root in roots)


def safe_path(user: str | Path, roots: Sequence[Path], base: Path,
              suffixes: Sequence[str] | None = _SCENARIO_SUFFIXES) -> Path:
    """The real path of ``user`` if it lies inside one of ``roots``; else :class:`PathRefused`.

    A relative ``user`` is taken relative to ``base`` (the project folder). The path is resolved
    before the check — ``..`` collapsed and every symlink followed — so neither ``scenarios/../x``
    nor a link inside an allowed folder that points outside it gets through. With ``suffixes``
    the file name must end in one of them. Nothing is read; the file need not exist.
    """
    text = str(user).strip()
    allowed = ", ".join(str(r) for r in roots)
    if not text or "\x00" in text:
        raise PathRefused(repr(text), "", f"expected a file path inside {allowed}")
    if len(text) > _MAX_PATH_CHARS or any(len(part) > _MAX_NAME_CHARS for part in Path(text).parts):
        raise PathRefused(text[:80] + "…", "", f"expected a path of at most {_MAX_PATH_CHARS} characters, "
                                               f"each name at most {_MAX_NAME_CHARS}")
    candidate = Path(text)
    if not candidate.is_absolute():
        candidate = base / candidate
    try:
        real = candidate.resolve()
    except (OSError, RuntimeError, ValueError) as err:  # a symlink loop
        raise PathRefused(text, "", f"cannot resolve this path ({err}); expected a file inside {allowed}") from err
    if not _inside(real, roots):
        raise PathRefused(text, "", f"refused: it resolves to {real}, outside the folders the "
                                    f"dashboard may read ({allowed})")
    if suffixes is not None and real.suffix.lower() not in suffixes:
        raise PathRefused(text, "", f"expected a scenario file ending in {' or '.join(suffixes)}")
    return real


def scenario_choices(paths: ProjectPaths) -> dict[str, str]:
    """Scenario labels → what to load: bundled names first, then the YAML files found in the
    project's scenario folders (labelled by their path in the project; links that lead outside
    the folders are left out)."""
    from exitwave.scenario.load import builtin_scenarios

    choices = {name: name for name in builtin_scenarios()}
    for root in paths.scenario_roots:
        if not root.is_dir():
            continue
        for found in sorted(p for suffix in _SCENARIO_SUFFIXES for p in root.rglob(f"*{suffix}")):
            try:
                real = safe_path(found, paths.scenario_roots, paths.root)
            except PathRefused:
                continue
            if real.is_file():
                choices[found.relative_to(paths.root).as_posix()] = str(real)
    return choices


def _world_reads(world: object, here: Path, paths: ProjectPaths) -> None:
    if not isinstance(world, str):
        return
    candidate = Path(world)
    roots = (*paths.world_roots, _bundled_worlds())
    allowed = ", ".join(str(r) for r in paths.world_roots)
    for base in (here.parent, paths.root):
        folder = candidate if candidate.is_absolute() else base / candidate
        try:
            found = (folder / "world.yaml").is_file()
        except (OSError, ValueError):  # a name too long for the file system: the loader reports it
            return
        if found:
            real = folder.resolve()
            if not _inside(real, roots):
                raise PathRefused(str(here), "world", f"refused: the world folder {real} is outside "
                                                      f"the bundled worlds and {allowed}")
            # a file of an allowed world folder may be a link to anywhere: each must stay inside
            for name in ("world.yaml", "regions.csv", "age_pyramid.csv", "crossings.csv",
                         "countries.csv", "onward.csv", "targets.csv"):
                if not _inside((real / name).resolve(), roots):
                    raise PathRefused(str(here), "world", f"refused: {real / name} leads to "
                                                          f"{(real / name).resolve()}, outside {allowed}")
            return
    # otherwise a bundled world name, or a missing world (the loader reports it)


def check_scenario_reads(name_or_path: str, paths: ProjectPaths) -> None:
    """Refuse a scenario whose ``extends:`` chain or ``world:`` leads outside the allowed folders.

    ``name_or_path`` is a bundled name or a path already passed through :func:`safe_path`. Each
    file of the chain is checked before it is read; a missing file or a malformed one is left for
    the scenario loader to report.
    """
    from exitwave.scenario.load import resolve_scenario_path

    allowed = (*paths.readable_scenario_roots, _bundled_scenarios())
    current: str = name_or_path
    relative_to: Path | None = None
    for _ in range(_MAX_CHAIN + 1):
        try:
            here = resolve_scenario_path(current, relative_to=relative_to).resolve()
        except InputError:
            return
        if not _inside(here, allowed):
            raise PathRefused(current, "extends", f"refused: {here} is outside the folders the "
                                                  f"dashboard may read ({', '.join(str(r) for r in allowed)})")
        try:
            data = read_file(here)  # bounded, as the loader reads it
        except InputError:
            return
        if not isinstance(data, dict):
            return
        _world_reads(data.get("world"), here, paths)
        parent = data.get("extends")
        if not isinstance(parent, str):
            return
        current, relative_to = parent, here.parent
    # the loader reads at most this many files of a chain: a longer one is refused, not read
    raise PathRefused(name_or_path, "extends", f"expected at most {_MAX_CHAIN} levels of extends")


def check_comparison_reads(comparison: object, folder: Path, paths: ProjectPaths) -> None:
    """Refuse a saved comparison whose run folders lie outside its own folder, or whose runs'
    worlds lie outside the allowed world folders.

    ``comparison.json`` lists the run folders the page and the report read back (summaries,
    series, each run's ``scenario.yaml`` and its world for the flow map); a file edited to list
    ``/home/…`` would make the dashboard read there.
    """
    root = folder.resolve()
    for run_dir in getattr(comparison, "run_dirs", []):
        real = Path(run_dir)
        real = (real if real.is_absolute() else root / real).resolve()
        if not real.is_relative_to(root):
            raise PathRefused(str(folder / "comparison.json"), "run_dirs",
                              f"refused: the run folder {run_dir} lies outside {folder}")
        scenario = real / "scenario.yaml"
        if scenario.is_file():
            if not scenario.resolve().is_relative_to(root):
                raise PathRefused(str(scenario), "", f"refused: it leads outside {folder}")
            data = read_file(scenario)
            if isinstance(data, dict):
                _world_reads(data.get("world"), scenario, paths)
