"""Progress for long jobs, in a terminal, in a log file and in Python.

* In a terminal: a Rich progress bar on stderr (done, failures, time left).
* When stderr is not a terminal (``exitwave sensitivity … 2> log.txt``, a batch job): plain
  lines, one every 5 % of the work or every 30 s, whichever comes first — a log file shows how far
  a job got and when, which a redrawn bar cannot.
* From Python (:func:`exitwave.compare`, ``ensemble``, ``sweep``, ``sensitivity``): the same
  bar unless ``progress=False``; a callable ``progress`` receives the counts instead.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["PlainProgress", "bar", "make_progress", "runs_bar"]


class PlainProgress:
    """The subset of :class:`rich.progress.Progress` the commands use, written as plain lines."""

    def __init__(self, console: Any, every_s: float = 30.0, step: float = 0.05) -> None:
        self.console = console
        self.every_s = every_s
        self.step = step
        self.tasks: dict[int, dict[str, Any]] = {}

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        for task in self.tasks.values():
            if task["completed"] != task["shown"]:
                self._line(task)

    def add_task(self, description: str, total: float | None = None, **fields: Any) -> int:
        key = len(self.tasks)
        now = time.monotonic()
        self.tasks[key] = {"description": description, "total": total, "completed": 0, "fields": fields,
                           "started": now, "last": now, "shown": 0}
        return key

    def advance(self, task_id: int, advance: float = 1) -> None:
        self.update(task_id, advance=advance)

    def update(self, task_id: int, *, completed: float | None = None, advance: float | None = None,
               total: float | None = None, description: str | None = None, **fields: Any) -> None:
        task = self.tasks[task_id]
        if total is not None:
            task["total"] = total
        if description is not None:
            task["description"] = description
        task["fields"].update(fields)
        if completed is not None:
            task["completed"] = completed
        if advance is not None:
            task["completed"] += advance
        now = time.monotonic()
        total_now = task["total"]
        crossed = bool(total_now) and (int(task["completed"] / (total_now * self.step))
                                       > int(task["shown"] / (total_now * self.step)))
        done = bool(total_now) and task["completed"] >= total_now
        if crossed or done or now - task["last"] >= self.every_s:
            self._line(task)

    def _line(self, task: dict[str, Any]) -> None:
        now = time.monotonic()
        elapsed = now - task["started"]
        total, completed = task["total"], task["completed"]
        text = f"{task['description']}: {completed:g}" + (f" of {total:g}" if total else "")
        failed = task["fields"].get("failed")
        if failed:
            text += f", {failed} failed"
        text += f", {elapsed:.0f} s"
        if total and 0 < completed < total:
            text += f", about {elapsed * (total - completed) / completed:.0f} s left"
        self.console.print(text, highlight=False, markup=False, soft_wrap=True)
        task["last"], task["shown"] = now, completed


def make_progress(console: Any, *columns: Any) -> Any:
    """A Rich bar when ``console`` is a terminal (or a notebook), else :class:`PlainProgress`."""
    if not console.is_terminal and not getattr(console, "is_jupyter", False):
        return PlainProgress(console)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = columns or (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    return Progress(*columns, console=console, transient=True)


@contextlib.contextmanager
def bar(total: int, label: str, counts: bool = False) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr for ``total`` steps; yields a callback that advances it by one
    (whatever arguments it is given) or, with ``counts``, sets it to its first argument (done)."""
    from rich.console import Console

    with make_progress(Console(stderr=True)) as progress:
        task = progress.add_task(label, total=total)
        if counts:
            yield lambda done, *args, **kwargs: progress.update(task, completed=done)
        else:
            yield lambda *args, **kwargs: progress.advance(task)


@contextlib.contextmanager
def runs_bar(progress: Any, total: int, label: str, counts: bool = False) -> Iterator[Callable[..., None] | None]:
    """The callback a Python API function reports to: ``progress`` itself when it is a callable,
    nothing when it is ``False``, else (``None``/``True``) a bar of ``total`` runs."""
    if callable(progress):
        yield progress
    elif progress is False:
        yield None
    else:
        with bar(total, label, counts) as advance:
            yield advance
